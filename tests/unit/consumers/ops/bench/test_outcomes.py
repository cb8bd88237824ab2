"""Every published event gets exactly one outcome, from what the run's topics hold."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import pytest

from consumers.ops.bench.events import region_events
from consumers.ops.bench.outcomes import (
    OUTCOMES,
    DeadLetters,
    Fate,
    LogMessage,
    PipelineLog,
    Position,
    count_fates,
    dead_letters,
    event_id,
    fate,
    forwarded,
    kept_back_reason,
    withheld_items,
)
from schemas import codec
from schemas.commands import PurgePerson, purge_message
from schemas.events import (
    DLQ_OFFSET,
    DLQ_PARTITION,
    DLQ_TOPIC_HEADER,
    PERSON_ID_HEADER,
    RecordType,
    SourceEvent,
)

EVENTS = region_events(80, seed=7).events
ITEMS = [e for e in EVENTS if e.record_type in (RecordType.RESULT, RecordType.ENCOUNTER)]
ONE, TWO, THREE = ITEMS[:3]
SOURCE = ("bench.t.mcr.source.result", 0, 11)


def _id(event: SourceEvent) -> str:
    return str(event.payload["header"]["event_id"])


def _item(event: SourceEvent) -> tuple[str, str]:
    header = event.payload["header"]
    return header["org"], header["source_record_id"]


def _event(event: SourceEvent, person: str, partition: int, offset: int) -> LogMessage:
    headers = ((PERSON_ID_HEADER, person.encode()),)
    return LogMessage(person.encode(), codec.encode(event), headers, partition, offset)


def _purge(person: str, partition: int, offset: int, *items: tuple[str, str]) -> LogMessage:
    key, value, headers = purge_message(PurgePerson(person, f"c-{offset}", "objection", items))
    return LogMessage(key, value, tuple((n, v or b"") for n, v in headers), partition, offset)


def _with_header(event: SourceEvent, **header: object) -> SourceEvent:
    payload = {**event.payload, "header": {**event.payload["header"], **header}}
    return replace(event, payload=payload)


def _fate(
    event: SourceEvent,
    log: PipelineLog,
    *,
    held: Mapping[Position, str] | None = None,
    dead: DeadLetters | None = None,
    withheld: frozenset[tuple[str, str]] = frozenset(),
) -> Fate:
    return fate(event, SOURCE, held=held or {}, dead=dead or DeadLetters(), log=log,
                withheld=withheld)  # fmt: skip


def test_event_id_reads_the_avro_value_and_refuses_anything_else() -> None:
    """The id comes from the encoded event itself; a purge's JSON is not an event."""
    assert event_id(codec.encode(ONE)) == _id(ONE)
    assert event_id(b'{"command": "purge-person"}') is None
    assert event_id(None) is None


def test_forwarded_separates_events_purges_and_unreadable_messages() -> None:
    """Shared events by id, purge commands with their position, the rest counted."""
    no_person = LogMessage(b"k", codec.encode(THREE), (), 1, 0)
    log = forwarded(
        [_event(ONE, "p1", 0, 0), _event(TWO, "p2", 1, 0), no_person],
        [_event(ONE, "p1", 0, 0), _purge("p1", 0, 1), LogMessage(b"x", b"junk",
         (("mcr.command", b"purge-person"),), 0, 2)],
    )  # fmt: skip

    assert set(log.linked) == {_id(ONE), _id(TWO)}
    assert set(log.shared) == {_id(ONE)}
    assert [(p.person_id, p.items, p.partition, p.offset) for p in log.purges] == [
        ("p1", frozenset(), 0, 1)
    ]
    assert log.unreadable == 2


def test_a_purge_removes_what_its_person_shared_before_it_on_the_partition() -> None:
    """A whole-person purge after the event removes it; one before it (the person opted back
    in afterwards) does not; another person's purge never does."""
    after = forwarded([_event(ONE, "p1", 0, 5)], [_event(ONE, "p1", 0, 5), _purge("p1", 0, 6)])
    before = forwarded([_event(ONE, "p1", 0, 5)], [_purge("p1", 0, 4), _event(ONE, "p1", 0, 5)])
    other = forwarded([_event(ONE, "p1", 0, 5)], [_event(ONE, "p1", 0, 5), _purge("p2", 0, 6)])

    assert _fate(ONE, after) == Fate("purged")
    assert _fate(ONE, before) == Fate("searchable")
    assert _fate(ONE, other) == Fate("searchable")


def test_a_purge_on_another_partition_counts_as_removing() -> None:
    """Across partitions there is no order: the event is counted as removed, not expected."""
    log = forwarded([_event(ONE, "p1", 0, 5)], [_event(ONE, "p1", 0, 5), _purge("p1", 3, 0)])

    assert _fate(ONE, log) == Fate("purged")


def test_an_item_purge_removes_only_the_items_it_names() -> None:
    """A withheld-item purge removes that (org, source record id) of the person, nothing else."""
    log = forwarded(
        [_event(ONE, "p1", 0, 1), _event(TWO, "p1", 0, 2)],
        [_event(ONE, "p1", 0, 1), _event(TWO, "p1", 0, 2), _purge("p1", 0, 3, _item(ONE))],
    )

    assert _fate(ONE, log) == Fate("purged")
    assert _fate(TWO, log) == Fate("searchable")


def test_a_source_key_purge_removes_that_records_documents_whoever_holds_them() -> None:
    """A purge of moved source records removes their documents under any person; other
    records of the same person stay."""
    key = "{org}:{local_patient_id}".format(**ONE.payload["header"])
    others = [e for e in ITEMS if "{org}:{local_patient_id}".format(**e.payload["header"]) != key]
    other = others[0]
    command = PurgePerson("p9", "c-9", "objection", source_keys=(key,))
    k, v, h = purge_message(command)
    purge = LogMessage(k, v, tuple((n, x or b"") for n, x in h), 1, 0)
    log = forwarded(
        [_event(ONE, "p1", 0, 1), _event(other, "p1", 0, 2)],
        [_event(ONE, "p1", 0, 1), _event(other, "p1", 0, 2), purge],
    )

    assert _fate(ONE, log) == Fate("purged")
    assert _fate(other, log) == Fate("searchable")


def test_an_item_purge_covers_the_items_components() -> None:
    """Withholding an item removes its <id>#... components too."""
    component = _with_header(
        TWO, source_record_id=f"{_item(ONE)[1]}#component-0", org=_item(ONE)[0]
    )
    log = forwarded(
        [_event(component, "p1", 0, 1)],
        [_event(component, "p1", 0, 1), _purge("p1", 0, 3, _item(ONE))],
    )

    assert _fate(component, log) == Fate("purged")


def test_an_event_on_linked_but_not_shared_was_kept_back() -> None:
    """Kept back by consent, with the reason inferred from the event."""
    log = forwarded([_event(ONE, "p1", 0, 1)], [])

    assert _fate(ONE, log) == Fate("kept-back", "objection")
    assert _fate(ONE, log, withheld=frozenset({_item(ONE)})) == Fate("kept-back", "withheld")


@pytest.mark.parametrize(
    ("labels", "record_type", "withheld", "reason"),
    [
        ((), RecordType.CONSENT, False, "consent-event"),
        (("sexual-health",), RecordType.ENCOUNTER, False, "sensitive"),
        (("V",), RecordType.RESULT, False, "sensitive"),
        (("R",), RecordType.RESULT, False, "objection"),
        ((), RecordType.ENCOUNTER, True, "withheld"),
        ((), RecordType.RESULT, False, "objection"),
    ],
)
def test_kept_back_reason_follows_what_the_event_is(
    labels: tuple[str, ...], record_type: RecordType, withheld: bool, reason: str
) -> None:
    """Consent events, named withheld items and sensitive labels explain themselves; anything
    else kept back is the person's objection. ``R`` is shared, so it explains nothing."""
    event = replace(_with_header(ONE, confidentiality=list(labels)), record_type=record_type)
    named = frozenset({_item(ONE)}) if withheld else frozenset()

    assert kept_back_reason(event, named) == reason


def test_held_and_dead_letters_come_before_what_the_topics_say() -> None:
    """Held in the MPI, or dead-lettered by position or by event id at any stage."""
    log = forwarded([_event(ONE, "p1", 0, 1)], [_event(ONE, "p1", 0, 1)])

    assert _fate(ONE, log, held={SOURCE: "review"}) == Fate("held", "review")
    assert _fate(ONE, log, dead=DeadLetters(positions=frozenset({SOURCE}))) == Fate("dead-letter")
    assert _fate(ONE, log, dead=DeadLetters(event_ids=frozenset({_id(ONE)}))) == Fate("dead-letter")


def test_undelivered_and_never_linked_events_are_unaccounted() -> None:
    """No delivery report, or delivered and then nowhere: reported, never hidden."""
    log = PipelineLog()

    assert fate(ONE, None, held={}, dead=DeadLetters(), log=log) == Fate(
        "unaccounted", "not-delivered"
    )
    assert _fate(ONE, log) == Fate("unaccounted", "not-linked")


def test_dead_letters_read_positions_from_headers_and_ids_from_values() -> None:
    """Identity's dead letters name the source position; every stage's carries the event."""
    headers = ((DLQ_TOPIC_HEADER, b"bench.t.mcr.source.result"), (DLQ_PARTITION, b"0"),
               (DLQ_OFFSET, b"11"))  # fmt: skip
    letters = dead_letters([LogMessage(None, codec.encode(ONE), headers, 0, 0),
                            LogMessage(None, b"not avro", (), 0, 1)])  # fmt: skip

    assert SOURCE in letters.positions
    assert ("", -1, -1) in letters.positions
    assert letters.event_ids == {_id(ONE)}


@pytest.mark.parametrize(
    ("found", "reason"),
    [
        (Fate("held", "review"), "held:review"),
        (Fate("kept-back", "sensitive"), "consent:sensitive"),
        (Fate("purged"), "consent:purged"),
        (Fate("dead-letter"), "dead-letter"),
        (Fate("searchable"), "not-searchable"),
        (Fate("unaccounted", "not-linked"), "not-linked"),
    ],
)
def test_missing_reason_of_a_latency_sample(found: Fate, reason: str) -> None:
    """Why a sample was never seen, in the report's vocabulary."""
    assert found.missing_reason == reason


def test_count_fates_gives_every_outcome_and_the_reasons() -> None:
    """Every outcome appears (zero or not), in report order, and they add up to the events."""
    fates = [Fate("searchable"), Fate("searchable"), Fate("kept-back", "objection"),
             Fate("kept-back", "consent-event"), Fate("unaccounted", "not-linked")]  # fmt: skip

    outcomes, kept, lost = count_fates(fates)

    assert list(outcomes) == list(OUTCOMES)
    assert sum(outcomes.values()) == len(fates)
    assert (outcomes["searchable"], outcomes["kept-back"], outcomes["purged"]) == (2, 2, 0)
    assert kept == {"consent-event": 1, "objection": 1}
    assert lost == {"not-linked": 1}


def test_withheld_items_are_the_ids_an_item_withheld_deny_names() -> None:
    """Only ITEM_WITHHELD DENY events name withheld items, each under its own organisation."""
    consent = next(e for e in EVENTS if e.record_type is RecordType.CONSENT)
    org = consent.payload["header"]["org"]
    deny = replace(
        consent,
        payload={
            **consent.payload,
            "scope": "ITEM_WITHHELD",
            "decision": "DENY",
            "withheld_record_ids": ["E1", "E2"],
        },
    )
    objection = replace(
        consent,
        payload={
            **consent.payload,
            "scope": "SHARED_CARE_RECORD",
            "decision": "DENY",
            "withheld_record_ids": ["E3"],
        },
    )

    assert withheld_items([deny, objection, ONE]) == {(org, "E1"), (org, "E2")}


def test_an_item_purge_removes_the_item_whoever_holds_it() -> None:
    """The projection finds an item purge's items under any person (consent may not have
    followed a merge yet when it sends the purge)."""
    log = forwarded(
        [_event(ONE, "p1", 0, 1)], [_event(ONE, "p1", 0, 1), _purge("p2", 0, 3, _item(ONE))]
    )

    assert _fate(ONE, log) == Fate("purged")
