"""What the record should hold, from the log alone, and how an index differs from it. Pure.

:func:`expected_record` replays the projection's rules over what ``mcr.shared`` and the
identity-change topic hold: every item or patient event becomes its document (a newer
``record_version`` replaces an older one; the same version replaces only a purge tombstone),
``DELETE`` leaves a tombstone, a purge removes what its scope covers among the documents before
it (keeping their versions; an organisation purge, sent to every partition, covers that
organisation's documents whoever holds them), and each
document belongs to the person its source key was last routed to by an identity change (else
the person on its event). Messages of different partitions have no order of their own: they are
merged by their Kafka timestamps, each partition's kept in offset order.

:func:`compare` sets that against the documents of an index and names every difference:

============  =================================================================================
kind          reasons
============  =================================================================================
missing       ``absent`` (no document), ``tombstoned`` (a tombstone where the log has an item),
              ``summary-missing`` (a person with visible documents has no summary)
leaked        ``purged`` / ``deleted`` (visible, but the log removed it), ``not-in-log`` (no
              event wrote it), ``summary-orphaned`` (a summary of a person with nothing left)
mismatched    ``version`` (another version), ``person`` (under another person: the worst),
              ``summary-counts`` (a summary whose counts are not the visible items')
============  =================================================================================

Events the projection dead-lettered are neither expected nor missing: they are counted apart.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from projections.record.documents import (
    DOC_KIND_SUMMARY,
    ITEM_TYPES,
    Origin,
    build_document,
)
from projections.record.errors import CommandError, DocumentError
from projections.record.ids import summary_id
from projections.record.messages import RawMessage
from projections.record.rekey import parse_identity_change, plan_rekey
from schemas.codec import decode, decode_record
from schemas.commands import Purge, PurgeOrganisation, PurgeScope, command_name, parse_command
from schemas.errors import DecodeError
from schemas.events import PERSON_ID_HEADER

__all__ = [
    "ExpectedDoc",
    "ExpectedRecord",
    "IndexedDoc",
    "VerifyReport",
    "compare",
    "expected_record",
    "purge_covers",
]

MISSING, LEAKED, MISMATCHED = "missing", "leaked", "mismatched"
KINDS = (MISSING, LEAKED, MISMATCHED)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UNREADABLE = (DecodeError, DocumentError, CommandError, UnicodeDecodeError)


@dataclass(frozen=True)
class ExpectedDoc:
    """One document as the log leaves it: version, owner, and why it is gone (or "")."""

    doc_id: str
    version: int
    person_id: str
    record_type: str
    org: str
    source_record_id: str
    source_key: str
    removed: str = ""
    """"" (visible), ``deleted`` (the source deleted it) or ``purged``."""


@dataclass(frozen=True)
class ExpectedRecord:
    """Every document the log writes, by id, and what could not be read."""

    documents: Mapping[str, ExpectedDoc]
    unreadable: int = 0
    dead_lettered: int = 0

    def visible(self) -> dict[str, ExpectedDoc]:
        """The documents a reader should be shown."""
        return {k: d for k, d in self.documents.items() if not d.removed}


def purge_covers(
    command: Purge, *, person_id: str, org: str, source_record_id: str, source_key: str
) -> bool:
    """True when ``command``'s scope takes in a document of item (``org``,
    ``source_record_id``) of record ``source_key``, held by ``person_id``: the whole person,
    the named items and their ``<id>#...`` components whoever holds them, or the named
    source records whoever holds them, or everything of one organisation."""
    if isinstance(command, PurgeOrganisation):
        return org == command.org
    if command.scope is PurgeScope.SOURCE_KEYS:
        return source_key in command.source_keys
    if command.scope is PurgeScope.ITEMS:
        return any(
            org == o and (source_record_id == r or source_record_id.startswith(f"{r}#"))
            for o, r in command.items
        )
    return person_id == command.person_id


def final_routes(changes: Iterable[RawMessage]) -> dict[str, str]:
    """Source key -> the person its newest identity change (by change time) moved it to."""
    newest: dict[str, tuple[int, str]] = {}
    for message in changes:
        try:
            plan = plan_rekey(parse_identity_change(decode_record(message.value or b"").payload))
        except _UNREADABLE:
            continue
        if plan is None:
            continue
        for key in plan.source_keys:
            if key not in newest or plan.version >= newest[key][0]:
                newest[key] = (plan.version, plan.person_id)
    return {key: person for key, (_, person) in newest.items()}


def _in_time_order(messages: Iterable[RawMessage]) -> Iterator[RawMessage]:
    """Messages merged across partitions by timestamp, each partition's in offset order."""
    by_partition: dict[int, list[RawMessage]] = defaultdict(list)
    for message in messages:
        by_partition[message.partition].append(message)
    runs = [sorted(run, key=lambda m: m.offset) for run in by_partition.values()]
    return heapq.merge(*runs, key=lambda m: (m.timestamp_ms, m.partition))


class _Replay:
    """The projection's rules applied to one message after another. Documents are indexed by
    holder, source key and organisation, so a purge looks only at what its scope can cover."""

    def __init__(self, routes: Mapping[str, str], dead: frozenset[tuple[int, int]]) -> None:
        self.routes, self.dead = routes, dead
        self.docs: dict[str, ExpectedDoc] = {}
        self.unreadable = self.dead_lettered = 0
        self._by_person: dict[str, set[str]] = defaultdict(set)
        self._by_key: dict[str, set[str]] = defaultdict(set)
        self._by_org: dict[str, set[str]] = defaultdict(set)

    def apply(self, message: RawMessage) -> None:
        if (message.partition, message.offset) in self.dead:
            self.dead_lettered += 1
            return
        try:
            name = command_name(message.headers)
            if name is not None:
                self._purge(parse_command(name, message.key, message.value))
            else:
                self._event(message)
        except _UNREADABLE:
            self.unreadable += 1

    def _event(self, message: RawMessage) -> None:
        decoded = decode(message.value or b"")
        person = (message.header(PERSON_ID_HEADER) or b"").decode("utf-8")
        origin = Origin(person, message.topic, message.partition, message.offset, _EPOCH)
        doc = build_document(
            decoded.record_type, decoded.payload, origin, schema_version=decoded.version
        )
        if doc is None:
            return
        current = self.docs.get(doc.doc_id)
        if current is not None and (
            doc.version < current.version
            or (doc.version == current.version and current.removed != "purged")
        ):
            return  # stale or a duplicate: external versioning refuses it
        body = doc.body
        self._store(ExpectedDoc(
            doc.doc_id, doc.version, self.routes.get(body["source_key"], doc.person_id),
            body["record_type"], body["org"], body["source_record_id"], body["source_key"],
            "deleted" if body["deleted"] else "",
        ))  # fmt: skip

    def _store(self, doc: ExpectedDoc) -> None:
        current = self.docs.get(doc.doc_id)
        if current is not None:
            self._by_person[current.person_id].discard(doc.doc_id)
        self.docs[doc.doc_id] = doc
        self._by_person[doc.person_id].add(doc.doc_id)
        self._by_key[doc.source_key].add(doc.doc_id)
        self._by_org[doc.org].add(doc.doc_id)

    def _candidates(self, command: Purge) -> set[str]:
        if isinstance(command, PurgeOrganisation):
            return set(self._by_org[command.org])
        if command.scope is PurgeScope.SOURCE_KEYS:
            return set().union(*(self._by_key[key] for key in command.source_keys))
        if command.scope is PurgeScope.ITEMS:
            return set().union(*(self._by_org[org] for org, _ in command.items))
        return set(self._by_person[command.person_id])

    def _purge(self, command: Purge) -> None:
        for doc_id in sorted(self._candidates(command)):
            doc = self.docs[doc_id]
            if doc.removed != "purged" and purge_covers(
                command, person_id=doc.person_id, org=doc.org,
                source_record_id=doc.source_record_id, source_key=doc.source_key,
            ):  # fmt: skip
                self.docs[doc_id] = replace(doc, removed="purged")


def expected_record(
    shared: Iterable[RawMessage],
    changes: Iterable[RawMessage],
    *,
    dead_lettered: Iterable[tuple[int, int]] = (),
) -> ExpectedRecord:
    """The record the log leaves (see the module docstring). ``dead_lettered``: (partition,
    offset) of the shared topic's messages the projection sent to the dead-letter topic."""
    replay = _Replay(final_routes(changes), frozenset(dead_lettered))
    for message in _in_time_order(shared):
        replay.apply(message)
    return ExpectedRecord(replay.docs, replay.unreadable, replay.dead_lettered)


@dataclass(frozen=True)
class IndexedDoc:
    """What the index holds for one document (routes left out)."""

    doc_id: str
    doc_kind: str
    version: int
    deleted: bool
    person_id: str | None = None
    record_type: str | None = None
    counts: Mapping[str, int] | None = None
    """A summary's counts per item type."""

    @classmethod
    def of_hit(cls, hit: Mapping[str, Any]) -> IndexedDoc:
        """From a search hit with ``_version``."""
        source = hit["_source"]
        summary = source.get("summary") or {}
        return cls(
            hit["_id"], str(source.get("doc_kind")), int(hit.get("_version", -1)),
            source.get("deleted") is not False, source.get("person_id"),
            source.get("record_type"), summary.get("counts"),
        )  # fmt: skip


@dataclass(frozen=True)
class Discrepancy:
    """One way the index differs from the log. Ids only: no clinical or personal values."""

    kind: str
    reason: str
    doc_id: str


@dataclass(frozen=True)
class VerifyReport:
    """The comparison: how many documents each side has and every difference."""

    expected_visible: int
    index_visible: int
    removed: int
    unreadable: int
    dead_lettered: int
    discrepancies: tuple[Discrepancy, ...] = field(default=())

    def count(self, kind: str) -> int:
        """How many differences of ``kind`` (missing, leaked or mismatched)."""
        return sum(1 for d in self.discrepancies if d.kind == kind)

    @property
    def ok(self) -> bool:
        """True when the index is exactly what the log says."""
        return not self.discrepancies

    def by_reason(self) -> dict[str, dict[str, int]]:
        """Differences per kind and reason (every kind present)."""
        found: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
        for d in self.discrepancies:
            found[d.kind][d.reason] += 1
        return {kind: dict(sorted(c.items())) for kind, c in found.items()}

    def as_json(self, *, examples: int = 10) -> dict[str, Any]:
        """The report as JSON-ready values, with up to ``examples`` ids per kind."""
        return {
            "ok": self.ok,
            "expected_visible": self.expected_visible,
            "index_visible": self.index_visible,
            "removed": self.removed,
            "unreadable": self.unreadable,
            "dead_lettered": self.dead_lettered,
            **{kind: self.count(kind) for kind in KINDS},
            "by_reason": self.by_reason(),
            "examples": {
                kind: [d.doc_id for d in self.discrepancies if d.kind == kind][:examples]
                for kind in KINDS
            },
        }


def _item_differences(expected: ExpectedDoc | None, found: IndexedDoc) -> Discrepancy | None:
    if expected is None:
        return None if found.deleted else Discrepancy(LEAKED, "not-in-log", found.doc_id)
    if expected.removed:
        return None if found.deleted else Discrepancy(LEAKED, expected.removed, found.doc_id)
    if found.deleted:
        return Discrepancy(MISSING, "tombstoned", found.doc_id)
    if found.person_id != expected.person_id:
        return Discrepancy(MISMATCHED, "person", found.doc_id)
    if found.version != expected.version:
        return Discrepancy(MISMATCHED, "version", found.doc_id)
    return None


def _summary_differences(
    summaries: Mapping[str, IndexedDoc], visible: Sequence[ExpectedDoc]
) -> list[Discrepancy]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for doc in visible:
        counts[doc.person_id][doc.record_type] += 0 if doc.record_type == "patient" else 1
    out: list[Discrepancy] = []
    for person, summary in summaries.items():
        if person not in counts:
            out.append(Discrepancy(LEAKED, "summary-orphaned", summary.doc_id))
            continue
        wanted = {t.value: counts[person][t.value] for t in ITEM_TYPES}
        if dict(summary.counts or {}) != wanted:
            out.append(Discrepancy(MISMATCHED, "summary-counts", summary.doc_id))
    out += [
        Discrepancy(MISSING, "summary-missing", summary_id(person))
        for person in sorted(set(counts) - set(summaries))
    ]
    return out


def compare(expected: ExpectedRecord, index: Iterable[IndexedDoc]) -> VerifyReport:
    """Every difference between what the log says and what ``index`` holds."""
    found: dict[str, IndexedDoc] = {}
    summaries: dict[str, IndexedDoc] = {}
    for doc in index:
        if doc.doc_kind == DOC_KIND_SUMMARY:
            summaries[doc.person_id or ""] = doc
        elif doc.doc_kind != "route":
            found[doc.doc_id] = doc
    differences = [
        diff
        for doc in found.values()
        if (diff := _item_differences(expected.documents.get(doc.doc_id), doc)) is not None
    ]
    visible = expected.visible()
    differences += [
        Discrepancy(MISSING, "absent", doc_id) for doc_id in visible if doc_id not in found
    ]
    differences += _summary_differences(summaries, list(visible.values()))
    return VerifyReport(
        expected_visible=len(visible),
        index_visible=sum(1 for d in found.values() if not d.deleted),
        removed=len(expected.documents) - len(visible),
        unreadable=expected.unreadable,
        dead_lettered=expected.dead_lettered,
        discrepancies=tuple(sorted(differences, key=lambda d: (d.kind, d.reason, d.doc_id))),
    )
