"""Dispatch of encoded source events against the real MPI (decode, resolve, A40, DLQ)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from schemas.dead_letters import DeadLetter, dead_letter_headers
from schemas.events import DLQ_REASON, PERSON_ID_HEADER, RECORD_TYPE_HEADER, SOURCE_OFFSET_HEADER
from streams.identity import outbox, repository
from streams.identity.batch import SourceMessage, handle_batch
from streams.identity.handler import STAGE, Destination
from streams.identity.weights import load
from tests.unit.streams.identity.people import (
    ANNA,
    patient_event,
    record,
    result_event,
    source_topic_of,
)

W = load()


@pytest.fixture
def mpi(pg_conn: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    """A migrated, empty MPI in a fresh schema."""
    repository.migrate(pg_conn)
    return pg_conn


def _route(conn: psycopg.Connection[Any], value: bytes, offset: int = 7) -> Any:
    (dispatch,) = handle_batch(
        conn, [SourceMessage(value, source_topic_of(value), 2, offset)], weights=W
    )
    return dispatch


def test_patient_event_is_forwarded_with_person_headers(mpi: psycopg.Connection[Any]) -> None:
    """A decodable patient event goes to mcr.linked keyed by person, with source headers."""
    dispatch = _route(mpi, patient_event())
    headers = dict(dispatch.headers)
    assert dispatch.destination is Destination.LINKED
    assert headers[PERSON_ID_HEADER] == dispatch.person_id.encode()
    assert (headers[RECORD_TYPE_HEADER], headers[SOURCE_OFFSET_HEADER]) == (b"patient", b"7")


def test_result_after_patient_goes_to_the_same_person(mpi: psycopg.Connection[Any]) -> None:
    """A result of a known source record resolves to the patient's person."""
    person = _route(mpi, patient_event()).person_id
    assert _route(mpi, result_event(), offset=8).person_id == person


def test_undecodable_bytes_go_to_the_dlq(mpi: psycopg.Connection[Any]) -> None:
    """Bytes that are not an event are routed to the DLQ with the error class as reason."""
    dispatch = _route(mpi, b"not avro")
    assert dispatch.destination is Destination.DLQ and dispatch.reason.startswith(
        "CorruptEventError"
    )
    letter = DeadLetter(b"not avro", None, [], "mcr.source.patient", 2, 7, dispatch.reason)
    headers = dict(dead_letter_headers(letter, stage=STAGE))
    assert headers[DLQ_REASON].startswith(b"CorruptEventError")


def test_text_with_a_nul_character_is_a_dead_letter_alone(mpi: psycopg.Connection[Any]) -> None:
    """Valid Avro whose local id holds NUL (PostgreSQL text cannot) is dead-lettered in a batch
    whose other events are still linked."""
    values = [patient_event(), patient_event(record(local_id="H\x001")), result_event()]
    consumed = [SourceMessage(v, source_topic_of(v), 2, i) for i, v in enumerate(values)]
    destinations = [d.destination for d in handle_batch(mpi, consumed, weights=W)]
    assert destinations == [Destination.LINKED, Destination.DLQ, Destination.LINKED]


def test_review_holds_the_event_bytes(mpi: psycopg.Connection[Any]) -> None:
    """An event of a record sent to review is held (not forwarded) with its exact bytes."""
    from datetime import date

    _route(mpi, patient_event())
    odd = record(org="GP1", local_id="G7", birth_date=date(1950, 11, 20), sex="MALE")
    value = patient_event(odd)
    assert _route(mpi, value).destination is Destination.HELD
    stored = mpi.execute("SELECT value FROM held_events").fetchone()[0]
    assert bytes(stored) == value and outbox.to_forward(mpi) == []


def test_a40_patient_event_merges_the_old_local_id(mpi: psycopg.Connection[Any]) -> None:
    """A patient event listing merged local ids merges their person into this one."""
    from schemas import nhs_number

    old = record(local_id="H999", nhs_number=nhs_number.test_number(7), given_name="Ania")
    old_person = _route(mpi, patient_event(old)).person_id
    kept = _route(mpi, patient_event(ANNA, merged=["H999"])).person_id
    assert old_person != kept
    assert repository.active_person(mpi, old_person) == kept
    kinds = [c["kind"] for c in outbox.unpublished_changes(mpi)]
    assert kinds == ["NEW_PERSON", "NEW_PERSON", "MERGE"]
