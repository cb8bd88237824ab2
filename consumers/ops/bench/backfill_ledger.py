"""The backfill's accounting: every published event under exactly one outcome, counted while
the source topics are read back once, in constant memory per event. Pure.

The outcomes and their order are the end-to-end benchmark's (:mod:`.outcomes`): held (by its
source position, from the MPI), dead-lettered (by position or event id), searchable or purged
(on ``mcr.shared``), kept back by consent (on ``mcr.linked`` only), else unaccounted. What the
forwarding topics hold is given as :class:`IdSet` s and the ids of shared events a later purge
removed, so no per-event object is kept. Events that failed delivery never reach the source
topics: they are counted from the delivery reports (``not-delivered``); delivered events the
read-back did not find are ``not-read-back``; both are unaccounted, never hidden.

Documents are checked on a sample: those whose id falls in one of ``sample_every`` buckets
(a stable hash of the id, so every event of a sampled document is seen). Outcomes are counted
for every event.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from consumers.ops.bench.events import document_id
from consumers.ops.bench.id_set import IdSet
from consumers.ops.bench.outcomes import (
    DEAD_LETTER,
    HELD,
    KEPT_BACK,
    OUTCOMES,
    PURGED,
    SEARCHABLE,
    UNACCOUNTED,
    DeadLetters,
    Forwarded,
    LogMessage,
    Position,
    PurgeSeen,
    kept_back_reason,
    withheld_items,
)
from schemas.codec import decode
from schemas.commands import command_name
from schemas.errors import DecodeError
from schemas.events import PERSON_ID_HEADER, SourceEvent

__all__ = ["Forwarding", "Ledger", "in_sample", "removed_by_purges"]

NOT_DELIVERED = "not-delivered"
NOT_READ_BACK = "not-read-back"


@dataclass(frozen=True)
class Forwarding:
    """What the run's forwarding and dead-letter topics and the MPI hold."""

    linked: IdSet
    shared: IdSet
    purged: frozenset[str]
    """Ids of shared events a later purge removed."""
    dead: DeadLetters
    held: Mapping[Position, str]


def in_sample(doc_id: str, every: int) -> bool:
    """True when document ``doc_id`` is in the checked sample (one in ``every``, stable)."""
    return every <= 1 or zlib.crc32(doc_id.encode("utf-8")) % every == 0


@dataclass
class Ledger:
    """Counts outcomes event by event (:meth:`add`), then :meth:`close` with the delivery
    counts. Keeps the kept-back events (few) to name their reasons once every consent event
    has been seen, and the versions of the sampled documents."""

    forwarding: Forwarding
    sample_every: int = 1
    outcomes: Counter[str] = field(default_factory=Counter)
    unaccounted: Counter[str] = field(default_factory=Counter)
    expected: dict[str, int] = field(default_factory=dict)
    """Sampled document id -> highest version of a searchable event writing it."""
    removed: dict[str, int] = field(default_factory=dict)
    """Sampled document id -> highest version of a kept-back or purged event writing it."""
    read_back: int = 0
    _kept_back: list[SourceEvent] = field(default_factory=list)
    _withheld_consents: list[SourceEvent] = field(default_factory=list)

    def add(self, event: SourceEvent, position: Position) -> str:
        """Count ``event``, read back from its source topic at ``position``; its outcome."""
        self.read_back += 1
        outcome = self._outcome(event, position)
        self.outcomes[outcome] += 1
        if withheld_items([event]):
            self._withheld_consents.append(event)
        if outcome == KEPT_BACK:
            self._kept_back.append(event)
        if outcome == UNACCOUNTED:
            self.unaccounted["not-linked"] += 1
        if outcome in (SEARCHABLE, KEPT_BACK, PURGED):
            self._note_document(event, outcome)
        return outcome

    def _outcome(self, event: SourceEvent, position: Position) -> str:
        found = self.forwarding
        key = str(event.payload["header"]["event_id"])
        if position in found.held:
            return HELD
        if position in found.dead.positions or key in found.dead.event_ids:
            return DEAD_LETTER
        if key in found.shared:
            return PURGED if key in found.purged else SEARCHABLE
        if key in found.linked:
            return KEPT_BACK
        return UNACCOUNTED

    def _note_document(self, event: SourceEvent, outcome: str) -> None:
        doc_id = document_id(event)
        if doc_id is None or not in_sample(doc_id, self.sample_every):
            return
        table = self.expected if outcome == SEARCHABLE else self.removed
        version = int(event.payload["header"]["record_version"])
        table[doc_id] = max(version, table.get(doc_id, version))

    def close(self, *, published: int, delivered: int) -> None:
        """Add what the read-back cannot see: events that failed delivery, and delivered events
        it did not find."""
        if published - delivered:
            self.outcomes[UNACCOUNTED] += published - delivered
            self.unaccounted[NOT_DELIVERED] += published - delivered
        if delivered - self.read_back > 0:
            self.outcomes[UNACCOUNTED] += delivered - self.read_back
            self.unaccounted[NOT_READ_BACK] += delivered - self.read_back

    def kept_back_reasons(self) -> dict[str, int]:
        """Kept-back events per reason (inferred as in :func:`outcomes.kept_back_reason`)."""
        withheld = withheld_items(self._withheld_consents)
        return dict(sorted(Counter(kept_back_reason(e, withheld) for e in self._kept_back).items()))

    def by_outcome(self) -> dict[str, int]:
        """Events per outcome, every outcome present, in report order."""
        return {name: self.outcomes.get(name, 0) for name in OUTCOMES}

    def leak_candidates(self) -> list[str]:
        """Sampled documents only kept-back or purged events wrote: must not be searchable."""
        return [doc for doc in self.removed if doc not in self.expected]


def removed_by_purges(shared: Iterable[LogMessage], purges: Sequence[PurgeSeen]) -> frozenset[str]:
    """Ids of the events on ``mcr.shared`` (``shared``: its messages, each partition in
    order) that one of ``purges`` removed (in its scope, after the event; see
    :meth:`outcomes.PurgeSeen.removes`). An event shared again later (an objection withdrawn)
    is judged by its last copy, as :func:`outcomes.forwarded` does."""
    if not purges:
        return frozenset()
    removed: set[str] = set()
    for message in shared:
        person = message.header(PERSON_ID_HEADER)
        if person is None or command_name(message.headers) is not None:
            continue
        try:
            event = decode(message.value or b"")
        except DecodeError:
            continue  # counted as unreadable when the topic was read for ids
        header = event.payload["header"]
        item = (header["org"], header["source_record_id"])
        key = f"{header['org']}:{header['local_patient_id']}"
        where = Forwarded(person, message.partition, message.offset)
        if any(p.removes(person, item, where, key) for p in purges):
            removed.add(str(header["event_id"]))
        else:
            removed.discard(str(header["event_id"]))  # the last copy wins
    return frozenset(removed)
