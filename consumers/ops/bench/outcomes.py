"""What became of each published event, from what the run's topics hold. Pure.

After a phase has caught up, the bench reads ``mcr.linked``, ``mcr.shared`` and ``mcr.dlq``
once from the beginning (:func:`probe.read_log`) and gives every published event exactly one
:class:`Fate`, checked in this order:

``not-delivered``  no delivery report (the producer never got it into Kafka)
``held``           still held in the MPI (reason: ``review``, ``awaiting-demographics``)
``dead-letter``    on the dead-letter topic (by its source position, or by its event id, which
                   covers dead letters of every stage)
``searchable``     reached ``mcr.shared`` and no later purge removed it: its document is
                   expected searchable
``purged``         reached ``mcr.shared``, then a purge of its person (every document) or of
                   its item (org, source record id) came after it on the same partition (or on
                   another partition: no order, so it counts as removed)
``kept-back``      reached ``mcr.linked`` but not ``mcr.shared``: the consent stage kept it
                   back. The reason is inferred from the event, since the stage logs counts
                   only: ``consent-event``, ``withheld`` (an ITEM_WITHHELD DENY of the run
                   names it), ``sensitive`` (a sensitive label or code:
                   ``schemas.sensitivity``), else ``objection``
``unaccounted``    none of these (``not-linked``: delivered, neither held nor dead-lettered,
                   yet never on ``mcr.linked``). Reported, never hidden.

Events are matched by ``event_id`` (decoded from the Avro value), so the topics' headers are
not trusted for the match; purges are matched by the ``mcr.person_id`` header of the event,
which the consent stage keeps unchanged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from projections.record.errors import CommandError
from projections.record.expected import purge_covers
from schemas.codec import decode
from schemas.commands import PurgePerson, command_name, parse_purge
from schemas.errors import DecodeError
from schemas.events import (
    DLQ_OFFSET,
    DLQ_PARTITION,
    DLQ_TOPIC_HEADER,
    PERSON_ID_HEADER,
    RecordType,
    SourceEvent,
)
from schemas.sensitivity import is_sensitive, labels_of

__all__ = [
    "DEAD_LETTER",
    "HELD",
    "KEPT_BACK",
    "NOT_DELIVERED",
    "OUTCOMES",
    "PURGED",
    "SEARCHABLE",
    "UNACCOUNTED",
    "DeadLetters",
    "Fate",
    "Forwarded",
    "LogMessage",
    "PipelineLog",
    "Position",
    "PurgeSeen",
    "SharedSplit",
    "count_fates",
    "dead_letters",
    "event_id",
    "fate",
    "forwarded",
    "kept_back_reason",
    "purge_seen",
    "withheld_items",
]

Position = tuple[str, int, int]
"""Where a message was read: topic, partition, offset."""

SEARCHABLE = "searchable"
PURGED = "purged"
KEPT_BACK = "kept-back"
HELD = "held"
DEAD_LETTER = "dead-letter"
UNACCOUNTED = "unaccounted"
NOT_DELIVERED = "not-delivered"
OUTCOMES = (SEARCHABLE, PURGED, KEPT_BACK, HELD, DEAD_LETTER, UNACCOUNTED)
"""Every outcome, in report order; each published event has exactly one."""


@dataclass(frozen=True)
class LogMessage:
    """One message read back from a topic."""

    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    partition: int
    offset: int

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` as text (None when absent)."""
        for key, value in self.headers:
            if key == name:
                return value.decode("utf-8", errors="replace")
        return None


def event_id(value: bytes | None) -> str | None:
    """The ``event_id`` of an Avro source event (None when ``value`` is not one)."""
    try:
        return str(decode(value or b"").payload["header"]["event_id"])
    except (DecodeError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class Forwarded:
    """An event's last copy on a forwarding topic (``mcr.linked`` or ``mcr.shared``)."""

    person_id: str
    partition: int
    offset: int


@dataclass(frozen=True)
class PurgeSeen:
    """A purge command on ``mcr.shared``: every document of the person, or the documents of
    ``items`` (and their ``<id>#...`` components) or of ``source_keys``, whoever holds them."""

    person_id: str
    items: frozenset[tuple[str, str]]
    partition: int
    offset: int
    source_keys: frozenset[str] = frozenset()

    def removes(
        self, person_id: str, item: tuple[str, str], where: Forwarded, source_key: str = ""
    ) -> bool:
        """True when this purge removes the document of ``item`` (of record ``source_key``) of
        ``person_id`` shared at ``where``: in the purge's scope, and after it on the same
        partition (on another partition there is no order: counted as removed)."""
        if not self._covers(person_id, item, source_key):
            return False
        return self.partition != where.partition or self.offset > where.offset

    def _covers(self, person_id: str, item: tuple[str, str], source_key: str) -> bool:
        command = PurgePerson(self.person_id, "", items=tuple(self.items),
                              source_keys=tuple(self.source_keys))  # fmt: skip
        org, record_id = item
        return purge_covers(command, person_id=person_id, org=org, source_record_id=record_id,
                            source_key=source_key)  # fmt: skip


@dataclass(frozen=True)
class PipelineLog:
    """What the forwarding topics hold: events by id, purges, and what could not be read."""

    linked: Mapping[str, Forwarded] = field(default_factory=dict)
    shared: Mapping[str, Forwarded] = field(default_factory=dict)
    purges: tuple[PurgeSeen, ...] = ()
    unreadable: int = 0
    """Messages on either topic that are neither a source event with a person nor a purge."""

    def purged(self, event: SourceEvent) -> bool:
        """True when a purge on ``mcr.shared`` removed what ``event`` shared."""
        where = self.shared.get(_id(event))
        if where is None:
            return False
        header = event.payload["header"]
        item = (header["org"], header["source_record_id"])
        key = f"{header['org']}:{header['local_patient_id']}"
        return any(p.removes(where.person_id, item, where, key) for p in self.purges)


class SharedSplit:
    """Splits ``mcr.shared``'s messages into purge commands (kept here, with a count of those
    that cannot be parsed) and events (passed on), streaming: the backfill reads millions."""

    def __init__(self) -> None:
        self.purges: list[PurgeSeen] = []
        self.unreadable = 0

    def events(self, shared: Iterable[LogMessage]) -> Iterator[LogMessage]:
        """The messages of ``shared`` that are events, in order; purges are kept aside."""
        for message in shared:
            if command_name(message.headers) is None:
                yield message
                continue
            purge = purge_seen(message)
            if purge is None:
                self.unreadable += 1
            else:
                self.purges.append(purge)


def forwarded(linked: Iterable[LogMessage], shared: Iterable[LogMessage]) -> PipelineLog:
    """What ``mcr.linked`` and ``mcr.shared`` hold, from their messages (each partition's in
    order, so an event's last copy wins)."""
    linked_events, unreadable = _events(linked)
    split = SharedSplit()
    shared_events, bad = _events(split.events(shared))
    unreadable += bad + split.unreadable
    return PipelineLog(linked_events, shared_events, tuple(split.purges), unreadable)


def _events(messages: Iterable[LogMessage]) -> tuple[dict[str, Forwarded], int]:
    found: dict[str, Forwarded] = {}
    unreadable = 0
    for message in messages:
        person = message.header(PERSON_ID_HEADER)
        key = event_id(message.value)
        if person is None or key is None:
            unreadable += 1
            continue
        found[key] = Forwarded(person, message.partition, message.offset)  # the last copy
    return found, unreadable


def purge_seen(message: LogMessage) -> PurgeSeen | None:
    """The purge command ``message`` carries (None when it cannot be parsed)."""
    try:
        command = parse_purge(message.key, message.value)
    except CommandError:
        return None
    return PurgeSeen(command.person_id, frozenset(command.items), message.partition,
                     message.offset, frozenset(command.source_keys))  # fmt: skip


@dataclass(frozen=True)
class DeadLetters:
    """Where each dead letter was read (its headers) and its event id (its value)."""

    positions: frozenset[Position] = frozenset()
    event_ids: frozenset[str] = frozenset()


def dead_letters(messages: Iterable[LogMessage]) -> DeadLetters:
    """The dead letters of ``messages`` (read from the run's dead-letter topic)."""
    positions: set[Position] = set()
    ids: set[str] = set()
    for message in messages:
        partition = message.header(DLQ_PARTITION) or ""
        offset = message.header(DLQ_OFFSET) or ""
        positions.add(
            (
                message.header(DLQ_TOPIC_HEADER) or "",
                int(partition) if partition.isdigit() else -1,
                int(offset) if offset.isdigit() else -1,
            )
        )
        if (found := event_id(message.value)) is not None:
            ids.add(found)
    return DeadLetters(frozenset(positions), frozenset(ids))


@dataclass(frozen=True)
class Fate:
    """One event's outcome and, for some, why."""

    outcome: str
    reason: str = ""

    @property
    def missing_reason(self) -> str:
        """Why a latency sample with this fate was never seen: ``held:<reason>``,
        ``dead-letter``, ``consent:<reason>`` (kept back), ``consent:purged``,
        ``not-delivered``, ``not-linked``, or ``not-searchable`` (it reached ``mcr.shared``
        and nothing removed it, yet it was not searchable in time)."""
        if self.outcome in (HELD, KEPT_BACK):
            return f"{'held' if self.outcome == HELD else 'consent'}:{self.reason}"
        if self.outcome == PURGED:
            return "consent:purged"
        if self.outcome == SEARCHABLE:
            return "not-searchable"
        return self.reason or self.outcome


def withheld_items(events: Iterable[SourceEvent]) -> frozenset[tuple[str, str]]:
    """(org, source record id) of every item an ITEM_WITHHELD DENY among ``events`` names."""
    return frozenset(
        (event.payload["header"]["org"], record_id)
        for event in events
        if event.record_type is RecordType.CONSENT
        and event.payload.get("scope") == "ITEM_WITHHELD"
        and event.payload.get("decision") == "DENY"
        for record_id in event.payload.get("withheld_record_ids") or ()
    )


def kept_back_reason(event: SourceEvent, withheld: frozenset[tuple[str, str]]) -> str:
    """Why the consent stage most likely kept ``event`` back (see the module docstring)."""
    header = event.payload["header"]
    if event.record_type is RecordType.CONSENT:
        return "consent-event"
    if (header["org"], header["source_record_id"]) in withheld:
        return "withheld"
    declared = header.get("confidentiality") or ()
    if is_sensitive(labels_of(event.record_type.value, event.payload, declared)):
        return "sensitive"
    return "objection"


def fate(
    event: SourceEvent,
    position: Position | None,
    *,
    held: Mapping[Position, str],
    dead: DeadLetters,
    log: PipelineLog,
    withheld: frozenset[tuple[str, str]] = frozenset(),
) -> Fate:
    """The one outcome of ``event``, published at ``position`` (see the module docstring)."""
    if position is None:
        return Fate(UNACCOUNTED, NOT_DELIVERED)
    if position in held:
        return Fate(HELD, held[position])
    key = _id(event)
    if position in dead.positions or key in dead.event_ids:
        return Fate(DEAD_LETTER)
    if key in log.shared:
        return Fate(PURGED) if log.purged(event) else Fate(SEARCHABLE)
    if key in log.linked:
        return Fate(KEPT_BACK, kept_back_reason(event, withheld))
    return Fate(UNACCOUNTED, "not-linked")


def count_fates(fates: Sequence[Fate]) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Events per outcome (every outcome present, in report order), kept back per reason and
    unaccounted per reason."""
    outcomes = Counter(f.outcome for f in fates)
    kept = Counter(f.reason for f in fates if f.outcome == KEPT_BACK)
    lost = Counter(f.reason for f in fates if f.outcome == UNACCOUNTED)
    return ({name: outcomes.get(name, 0) for name in OUTCOMES}, dict(sorted(kept.items())),
            dict(sorted(lost.items())))  # fmt: skip


def _id(event: SourceEvent) -> str:
    return str(event.payload["header"]["event_id"])
