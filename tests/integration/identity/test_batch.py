"""Batch dispatch against the real MPI: order, known records without scoring, holds, A40, DLQ."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
import pytest

from schemas import nhs_number
from streams.identity import batch, outbox, repository
from streams.identity.batch import KNOWN_RULE, QUEUED_RULE, SourceMessage, handle_batch
from streams.identity.demographics import NhsStatus
from streams.identity.handler import Destination
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


def _consumed(*values: bytes, first_offset: int = 0) -> list[SourceMessage]:
    return [SourceMessage(v, source_topic_of(v), 0, first_offset + i) for i, v in enumerate(values)]


def _count(conn: psycopg.Connection[Any], table: str) -> int:
    row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


def test_events_of_a_new_record_in_one_batch_share_the_first_ones_person(
    mpi: psycopg.Connection[Any],
) -> None:
    """A patient event and the results after it in one batch get one new person, in order."""
    dispatches = handle_batch(
        mpi, _consumed(patient_event(), result_event(), result_event()), weights=W
    )
    assert [r.destination for r in dispatches] == [Destination.LINKED] * 3
    assert len({r.person_id for r in dispatches}) == 1
    assert [r.rule for r in dispatches][1:] == [KNOWN_RULE, KNOWN_RULE]
    assert _count(mpi, "persons") == 1


def test_known_records_are_routed_without_a_new_decision(mpi: psycopg.Connection[Any]) -> None:
    """A second pass over the same events routes each from the MPI link: no new history."""
    values = (patient_event(), result_event(), patient_event(record(local_id="H101")))
    first = handle_batch(mpi, _consumed(*values), weights=W)
    history = _count(mpi, "link_history")
    second = handle_batch(mpi, _consumed(*values, first_offset=3), weights=W)
    assert [r.person_id for r in second] == [r.person_id for r in first]
    assert {r.rule for r in second} == {KNOWN_RULE}
    assert _count(mpi, "link_history") == history


def test_changed_demographics_of_a_known_record_are_stored(mpi: psycopg.Connection[Any]) -> None:
    """A known record's patient event with new demographics takes the slow path and is stored."""
    (first,) = handle_batch(mpi, _consumed(patient_event()), weights=W)
    moved = record(postcode="MK9 3XS", address="1 New Road, Milton Keynes")
    (second,) = handle_batch(mpi, _consumed(patient_event(moved)), weights=W)
    found = repository.link_of(mpi, "RD8", "H100")
    assert second.person_id == first.person_id and second.rule == KNOWN_RULE
    assert found is not None and found[1].postcode == "MK9 3XS"


def test_later_events_of_a_record_in_review_are_held_too(mpi: psycopg.Connection[Any]) -> None:
    """When a record goes to review, its later events in the same batch are held as well."""
    handle_batch(mpi, _consumed(patient_event()), weights=W)
    odd = record(org="GP1", local_id="G7", birth_date=date(1950, 11, 20), sex="MALE")
    dispatches = handle_batch(mpi, _consumed(patient_event(odd), result_event(odd)), weights=W)
    assert [r.destination for r in dispatches] == [Destination.HELD, Destination.HELD]
    assert _count(mpi, "held_events") == 2


def test_an_a40_merge_in_a_batch_moves_the_later_events_of_the_merged_record(
    mpi: psycopg.Connection[Any],
) -> None:
    """After a patient event merges H999, H999's later events in the batch go to the survivor."""
    old = record(local_id="H999", nhs_number=nhs_number.test_number(7), given_name="Ania")
    (old_routing,) = handle_batch(mpi, _consumed(patient_event(old)), weights=W)
    dispatches = handle_batch(
        mpi,
        _consumed(result_event(old), patient_event(ANNA, merged=["H999"]), result_event(old)),
        weights=W,
    )
    assert dispatches[0].person_id == old_routing.person_id
    assert dispatches[2].person_id == dispatches[1].person_id != old_routing.person_id


def test_events_after_a_release_wait_behind_the_released_events(
    mpi: psycopg.Connection[Any],
) -> None:
    """A record's events after its held events were released go out behind them, in order,
    until those are forwarded; then its events are sent directly again."""
    unverified = record(nhs_status=NhsStatus.UNVERIFIED)
    (held,) = handle_batch(mpi, _consumed(result_event(unverified)), weights=W)
    linking = handle_batch(
        mpi,
        _consumed(patient_event(unverified), result_event(unverified), first_offset=1),
        weights=W,
    )
    (later,) = handle_batch(mpi, _consumed(result_event(unverified), first_offset=3), weights=W)
    assert held.destination is Destination.HELD
    assert [(r.destination, r.rule) for r in [*linking, later]] == [
        (Destination.HELD, QUEUED_RULE)
    ] * 3
    waiting = outbox.to_forward(mpi)
    assert [w.event.offset for w in waiting] == [0, 1, 2, 3]
    assert len({w.person_id for w in waiting}) == 1
    outbox.mark_forwarded(mpi, [w.held_id for w in waiting])
    (direct,) = handle_batch(mpi, _consumed(result_event(unverified), first_offset=4), weights=W)
    assert (direct.destination, direct.person_id) == (Destination.LINKED, waiting[0].person_id)


def test_junk_is_dead_lettered_and_the_rest_of_the_batch_goes_on(
    mpi: psycopg.Connection[Any],
) -> None:
    """An undecodable message in the middle of a batch is a DLQ dispatch; its neighbours link."""
    dispatches = handle_batch(mpi, _consumed(patient_event(), b"junk", result_event()), weights=W)
    assert [r.destination for r in dispatches] == [
        Destination.LINKED,
        Destination.DLQ,
        Destination.LINKED,
    ]
    assert dispatches[1].reason is not None and dispatches[1].reason.startswith("CorruptEventError")


def test_an_unexpected_error_dead_letters_that_event_only(
    mpi: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug hit by one event dead-letters it by error class; a database outage propagates."""
    real = batch.dispatch_decoded

    def flaky(conn: Any, item: Any, **kwargs: Any) -> Any:
        if item.record.local_id == "H666":
            raise KeyError("Kowalski")
        return real(conn, item, **kwargs)

    monkeypatch.setattr(batch, "dispatch_decoded", flaky)
    values = (patient_event(record(local_id="H666")), patient_event())
    dispatches = handle_batch(mpi, _consumed(*values), weights=W)
    assert [r.destination for r in dispatches] == [Destination.DLQ, Destination.LINKED]
    assert dispatches[0].reason == "KeyError: unexpected error in identity"

    def down(conn: Any, item: Any, **kwargs: Any) -> Any:
        raise psycopg.OperationalError("server closed the connection")

    monkeypatch.setattr(batch, "dispatch_decoded", down)
    with pytest.raises(psycopg.OperationalError):
        handle_batch(mpi, _consumed(patient_event(record(local_id="H777"))), weights=W)


def test_a_batch_decides_like_one_event_at_a_time(
    mpi: psycopg.Connection[Any], pg_schema: str, stack: Any
) -> None:
    """Dispatch a mixed sequence as one batch gives the same grouping as event by event."""
    twin = record(local_id="H200", given_name="Maria", nhs_number=nhs_number.test_number(2))
    gp = record(org="E81001", local_id="G1", given_name="Ana")
    values = [
        patient_event(),
        result_event(gp),
        patient_event(twin),
        patient_event(gp),
        result_event(gp),
        result_event(twin),
        b"junk",
        result_event(),
    ]
    batched = handle_batch(mpi, _consumed(*values), weights=W)
    with psycopg.connect(stack.postgres_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{pg_schema}_one"')
    try:
        with psycopg.connect(
            stack.postgres_dsn, autocommit=True, options=f"-c search_path={pg_schema}_one"
        ) as single:
            repository.migrate(single)
            one = [
                handle_batch(single, [SourceMessage(v, source_topic_of(v), 0, i)], weights=W)[0]
                for i, v in enumerate(values)
            ]
    finally:
        with psycopg.connect(stack.postgres_dsn, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{pg_schema}_one" CASCADE')
    assert [r.destination for r in batched] == [r.destination for r in one]
    assert _grouping(batched) == _grouping(one)


def _grouping(dispatches: list[Any]) -> list[int | None]:
    """Person ids renamed by first appearance, so two MPIs' assignments compare."""
    names: dict[str, int] = {}
    return [names.setdefault(r.person_id, len(names)) if r.person_id else None for r in dispatches]
