"""The consent stage's batch logic against the real PostgreSQL: what reaches mcr.shared, what
is purged, and how preferences follow identity changes."""

from __future__ import annotations

import random
import string
from datetime import timedelta
from typing import Any

import psycopg
import pytest

from schemas.commands import COMMAND_HEADER, parse_purge
from schemas.events import SourceEvent
from streams.consent import repository
from streams.consent.gate import InboundMessage, Outgoing, Target, follow_identity, share_batch
from streams.consent.rules import Verdict
from tests.unit.projections.builders import T0, identity_change, linked, result_event
from tests.unit.streams.consent.builders import GP, NOW, consent_event, gp_encounter, labelled

Conn = psycopg.Connection[Any]
HOUR = timedelta(hours=1)


@pytest.fixture
def db(pg_conn: Conn) -> Conn:
    """Fresh consent tables."""
    repository.migrate(pg_conn)
    return pg_conn


def _batch(*events: tuple[SourceEvent, str]) -> list[InboundMessage]:
    out = []
    for offset, (event, person) in enumerate(events):
        key, value, headers = linked(event, person)
        out.append(InboundMessage(key, value, headers, "mcr.linked", 0, offset))
    return out


def _changes(*values: bytes) -> list[InboundMessage]:
    return [InboundMessage(b"k", v, [], "mcr.identity.changes", 0, i) for i, v in enumerate(values)]


def _shared_items(outgoing: list[Outgoing]) -> list[bytes]:
    return [o.value for o in outgoing if o.target is Target.SHARED and not _is_command(o)]


def _is_command(o: Outgoing) -> bool:
    return any(name == COMMAND_HEADER for name, _ in o.headers)


def _purges(outgoing: list[Outgoing]) -> list[tuple[str, str, tuple[Any, ...]]]:
    """(person, reason, items or source keys) of each purge command sent."""
    commands = [parse_purge(o.key, o.value) for o in outgoing if _is_command(o)]
    return [(c.person_id, c.reason, c.items or c.source_keys) for c in commands]


def test_objection_keeps_back_later_events_and_purges_once_per_event(db: Conn) -> None:
    """Events before the objection pass; the objection sends a purge; events after it, in the
    same batch and in later batches, are kept back; the consent event itself is never shared."""
    before, after = result_event(source_record_id="R1"), result_event(source_record_id="R2")
    outcome = share_batch(
        db, _batch((before, "P1"), (consent_event(), "P1"), (after, "P1")), now=NOW
    )
    assert outcome.verdicts == [Verdict.SHARE, Verdict.CONSENT_EVENT, Verdict.OBJECTION]
    assert _shared_items(outcome.outgoing) == [linked(before, "P1")[1]]
    assert _purges(outcome.outgoing) == [("P1", "objection", ())]
    later = share_batch(db, _batch((result_event(source_record_id="R3"), "P1")), now=NOW)
    assert later.verdicts == [Verdict.OBJECTION] and later.outgoing == []


def test_shared_events_keep_key_bytes_and_headers(db: Conn) -> None:
    """What passes is forwarded unchanged: same key, same Avro bytes, same headers."""
    event = result_event()
    (out,) = share_batch(db, _batch((event, "P1")), now=NOW).outgoing
    assert (out.key, out.value, out.headers) == linked(event, "P1")


def test_opt_back_in_lets_new_events_through(db: Conn) -> None:
    """A newer PERMIT of the same item lifts the objection for events after it."""
    share_batch(db, _batch((consent_event(), "P1")), now=NOW)
    outcome = share_batch(
        db,
        _batch(
            (consent_event(decision="PERMIT", version=2), "P1"),
            (result_event(source_record_id="R9"), "P1"),
        ),
        now=NOW,
    )
    assert outcome.verdicts == [Verdict.CONSENT_EVENT, Verdict.SHARE]
    assert _purges(outcome.outgoing) == []


def test_replayed_objection_purges_again(db: Conn) -> None:
    """The same objection read twice (a retry after a crash) sends the purge again."""
    for _ in range(2):
        outcome = share_batch(db, _batch((consent_event(), "P1")), now=NOW)
        assert _purges(outcome.outgoing) == [("P1", "objection", ())]


def test_withheld_items_and_sensitive_labels(db: Conn) -> None:
    """A withheld encounter is purged and kept back; a sexual-health one is never shared."""
    withhold = consent_event("ITEM_WITHHELD", withheld=("E1",), source_record_id="C9")
    outcome = share_batch(
        db,
        _batch(
            (withhold, "P1"),
            (gp_encounter("E1"), "P1"),
            (gp_encounter("E2"), "P1"),
            (labelled(gp_encounter("E3"), "sexual-health"), "P1"),
        ),
        now=NOW,
    )
    assert outcome.verdicts == [
        Verdict.CONSENT_EVENT,
        Verdict.WITHHELD,
        Verdict.SHARE,
        Verdict.SENSITIVE,
    ]
    assert _purges(outcome.outgoing) == [("P1", "withheld", ((GP, "E1"),))]


def test_undecodable_or_unaddressed_events_are_dead_letters(db: Conn) -> None:
    """Garbage, or an event without the person header, goes to the DLQ with a reason."""
    key, value, _ = linked(result_event(), "P1")
    batch = [
        InboundMessage(key, b"\x00junk", [("mcr.person_id", b"P1")], "mcr.linked", 0, 0),
        InboundMessage(key, value, [], "mcr.linked", 0, 1),
    ]
    outcome = share_batch(db, batch, now=NOW)
    assert [o.target for o in outcome.outgoing] == [Target.DLQ, Target.DLQ]
    reasons = [dict(o.headers)["mcr.dlq.reason"] for o in outcome.outgoing]
    assert reasons[1] == b"MissingHeader:mcr.person_id" and reasons[0]
    assert dict(outcome.outgoing[0].headers)["mcr.dlq.stage"] == b"consent"


def test_merge_into_an_objecting_person_purges_both_and_keeps_back_late_events(db: Conn) -> None:
    """P2 objects; P1's records merge into P2: both persons are purged, and a late event still
    carrying P1 is judged by P2's consent."""
    gp_key, other_key = f"{GP}:P001", "RC9:H7"
    share_batch(db, _batch((consent_event(local_patient_id="P001"), "P2")), now=NOW)
    follow_identity(
        db, _changes(identity_change("NEW_PERSON", "P2", source_keys=(gp_key,))), now=NOW
    )
    merge = identity_change(
        "MERGE", "P2", previous="P1", source_keys=(other_key,), occurred_at=T0 + timedelta(hours=1)
    )
    outgoing = follow_identity(db, _changes(merge), now=NOW)
    assert _purges(outgoing) == [
        ("P2", "objection", ()),
        ("P1", "objection", ()),
        ("P2", "objection", (other_key,)),
        ("P1", "objection", (other_key,)),
    ]
    late = share_batch(db, _batch((result_event(org="RC9", local_patient_id="H7"), "P1")), now=NOW)
    assert late.verdicts == [Verdict.OBJECTION]


def test_unmerge_takes_the_objection_back_with_its_records(db: Conn) -> None:
    """The objecting record is unmerged to P1: P2's events pass again; P1 is purged."""
    key = f"{GP}:P001"
    share_batch(db, _batch((consent_event(local_patient_id="P001"), "P2")), now=NOW)
    unmerge = identity_change(
        "UNMERGE", "P1", previous="P2", source_keys=(key,), occurred_at=T0 + timedelta(hours=2)
    )
    outgoing = follow_identity(db, _changes(unmerge), now=NOW)
    assert _purges(outgoing) == [
        ("P1", "objection", ()),
        ("P1", "objection", (key,)),
        ("P2", "objection", (key,)),
    ]
    passed = share_batch(
        db, _batch((result_event(org="RC9", local_patient_id="H1"), "P2")), now=NOW
    )
    assert passed.verdicts == [Verdict.SHARE]
    states = repository.states(db, ["P1", "P2"])
    assert states["P1"].objects(NOW) and not states["P2"].objects(NOW)


def test_an_older_identity_change_read_late_does_not_move_keys_back(db: Conn) -> None:
    """Source keys follow the newest change, whatever order changes are read in."""
    key = "RC9:H7"
    newer = identity_change("MERGE", "P2", previous="P1", source_keys=(key,),
                            occurred_at=T0 + timedelta(hours=1))  # fmt: skip
    older = identity_change("NEW_PERSON", "P1", source_keys=(key,), occurred_at=T0)
    follow_identity(db, _changes(newer, older), now=NOW)
    assert repository.persons_of(db, [key]) == {key: "P2"}


def test_one_batch_of_links_and_a_merge_judges_the_merge_as_one_by_one_would(db: Conn) -> None:
    """Links before a merge in the same batch are stored before the merge reads P2's state
    (the batched moves): P2 objects through the key linked earlier in the batch, so the merge
    purges; links after the merge are stored too."""
    gp_key, other_key, later_key = f"{GP}:P001", "RC9:H7", "RC9:H8"
    share_batch(db, _batch((consent_event(local_patient_id="P001"), "P2")), now=NOW)
    outgoing = follow_identity(
        db,
        _changes(
            identity_change("NEW_PERSON", "P1", source_keys=(other_key,)),
            identity_change("NEW_PERSON", "P2", source_keys=(gp_key,)),
            identity_change(
                "MERGE", "P2", previous="P1", source_keys=(other_key,), occurred_at=T0 + HOUR
            ),
            identity_change("LINK", "P3", source_keys=(later_key,)),
        ),
        now=NOW,
    )
    assert _purges(outgoing) == [
        ("P2", "objection", ()),
        ("P1", "objection", ()),
        ("P2", "objection", (other_key,)),
        ("P1", "objection", (other_key,)),
    ]
    found = repository.persons_of(db, [gp_key, other_key, later_key])
    assert found == {gp_key: "P2", other_key: "P2", later_key: "P3"}


def test_a_move_postgresql_refuses_is_a_dead_letter_alone(db: Conn) -> None:
    """A source key too long for the index fails its change only: the other changes of the
    batch are stored."""
    huge = "RC9:" + "".join(random.Random(3).choices(string.ascii_letters, k=12_000))
    outgoing = follow_identity(
        db,
        _changes(
            identity_change("NEW_PERSON", "P1", source_keys=("RC9:H1",)),
            identity_change("NEW_PERSON", "P2", source_keys=(huge,)),
            identity_change("LINK", "P3", source_keys=("RC9:H3",)),
        ),
        now=NOW,
    )
    (letter,) = outgoing
    assert letter.target is Target.DLQ and letter.value is not None
    assert dict(letter.headers)["mcr.dlq.reason"] == b"ProgramLimitExceeded"
    assert repository.persons_of(db, ["RC9:H1", "RC9:H3"]) == {"RC9:H1": "P1", "RC9:H3": "P3"}


def test_identity_change_that_is_not_one_is_a_dead_letter(db: Conn) -> None:
    """A source event on the identity-changes topic is dead-lettered, not applied."""
    value = linked(result_event(), "P1")[1]
    (out,) = follow_identity(db, _changes(value), now=NOW)
    assert out.target is Target.DLQ
    assert dict(out.headers)["mcr.dlq.reason"] == b"NotAnIdentityChange"


def test_a_sensitive_later_version_purges_the_shared_earlier_one(db: Conn) -> None:
    """v1 shared, v2 labelled sexual-health: v2 is kept back and v1's document is purged; a
    sensitive version 1 has nothing before it to purge."""
    outcome = share_batch(
        db,
        _batch(
            (gp_encounter("E1"), "P1"),
            (labelled(gp_encounter("E1", version=2), "sexual-health"), "P1"),
            (labelled(gp_encounter("E2"), "sexual-health"), "P1"),
        ),
        now=NOW,
    )
    assert outcome.verdicts == [Verdict.SHARE, Verdict.SENSITIVE, Verdict.SENSITIVE]
    assert _purges(outcome.outgoing) == [("P1", "sensitive", ((GP, "E1"),))]


def test_withholding_covers_components_and_an_empty_list_purges_nothing(db: Conn) -> None:
    """Withholding an Observation also keeps back its components (<id>#...); a withhold that
    names no items purges nothing (never the whole record)."""
    nothing = consent_event("ITEM_WITHHELD", source_record_id="C8")
    withhold = consent_event("ITEM_WITHHELD", withheld=("Obs/1",), source_record_id="C9")
    outcome = share_batch(
        db,
        _batch(
            (nothing, "P1"),
            (withhold, "P1"),
            (result_event(org=GP, source_record_id="Obs/1#component-0"), "P1"),
            (result_event(org=GP, source_record_id="Obs/10"), "P1"),
        ),
        now=NOW,
    )
    assert outcome.verdicts[2:] == [Verdict.WITHHELD, Verdict.SHARE]
    assert _purges(outcome.outgoing) == [("P1", "withheld", ((GP, "Obs/1"),))]


def test_either_the_header_person_or_the_source_keys_person_objecting_keeps_back(
    db: Conn,
) -> None:
    """Right after a re-link the header and the newest identity change disagree: if either
    person objects, the event is kept back."""
    key = "RC9:H7"
    share_batch(db, _batch((consent_event(local_patient_id="P001"), "P2")), now=NOW)
    follow_identity(db, _changes(identity_change("NEW_PERSON", "P1", source_keys=(key,))), now=NOW)
    event = result_event(org="RC9", local_patient_id="H7", source_record_id="R5")
    outcome = share_batch(db, _batch((event, "P2")), now=NOW)
    assert outcome.verdicts == [Verdict.OBJECTION] and outcome.outgoing == []


def test_a_poison_event_is_dead_lettered_alone(db: Conn) -> None:
    """A consent event PostgreSQL cannot store (NUL in text) and a message without a value are
    dead letters; the events around them are still decided, and the unstorable preference
    still counts (its purge is sent) for the rest of the batch."""
    poison = consent_event("ITEM_WITHHELD", withheld=("E\x00vil",), source_record_id="C9")
    batch = _batch((result_event(source_record_id="R1"), "P1"), (poison, "P1"))
    batch.append(InboundMessage(b"P1", None, [("mcr.person_id", b"P1")], "mcr.linked", 0, 9))
    batch += _batch((result_event(source_record_id="R2"), "P1"))
    outcome = share_batch(db, batch, now=NOW)
    assert outcome.verdicts == [Verdict.SHARE, Verdict.CONSENT_EVENT, None, Verdict.SHARE]
    reasons = [
        dict(o.headers)["mcr.dlq.reason"] for o in outcome.outgoing if o.target is Target.DLQ
    ]
    assert reasons == [b"DataError", b"MissingValue"]
    assert _purges(outcome.outgoing) == [("P1", "withheld", ((GP, "E\x00vil"),))]


def test_an_id_too_long_for_an_index_is_a_dead_letter_not_a_stalled_stage(db: Conn) -> None:
    """PostgreSQL refuses an index entry this long (ProgramLimitExceeded, which psycopg files
    with connection errors): the event is dead-lettered instead of retried forever, and the
    objection it carries still purges and keeps back the person's next event (fail closed)."""
    huge = "".join(random.Random(7).choices(string.ascii_letters, k=12_000))
    batch = _batch(
        (consent_event(source_record_id=huge), "P1"), (result_event(source_record_id="R1"), "P1")
    )
    outcome = share_batch(db, batch, now=NOW)
    assert outcome.verdicts == [Verdict.CONSENT_EVENT, Verdict.OBJECTION]
    assert _purges(outcome.outgoing) == [("P1", "objection", ())]
    assert dict(outcome.outgoing[1].headers)["mcr.dlq.reason"] == b"ProgramLimitExceeded"


def _coded(event: SourceEvent, field: str, system: str, code: str) -> SourceEvent:
    """``event`` with ``field`` coded ``system``/``code`` and no label."""
    return SourceEvent(event.record_type,
                       {**event.payload, field: {"system": system, "code": code, "display": None}})  # fmt: skip


def test_a_listed_code_without_a_label_is_kept_back_like_a_labelled_item(db: Conn) -> None:
    """An HIV test result and an HIV-coded encounter reason with no label are sensitive; a
    later version that gains such a code purges the shared earlier one, as a label would."""
    hiv_test = _coded(result_event(org=GP, source_record_id="R1"), "code", "LOINC", "75622-1")
    reason = _coded(gp_encounter("E1", version=2), "reason", "ICD10", "B20.0")
    outcome = share_batch(
        db,
        _batch((hiv_test, "P1"), (gp_encounter("E1"), "P1"), (reason, "P1"),
               (result_event(org=GP, source_record_id="R2"), "P1")),
        now=NOW,
    )  # fmt: skip
    assert outcome.verdicts == [Verdict.SENSITIVE, Verdict.SHARE, Verdict.SENSITIVE, Verdict.SHARE]
    assert _purges(outcome.outgoing) == [("P1", "sensitive", ((GP, "E1"),))]
    assert len(_shared_items(outcome.outgoing)) == 2
