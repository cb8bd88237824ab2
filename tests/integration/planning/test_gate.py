"""The de-identification gate against real consent tables: an identity change that moves
records sends planning-move, and an opt-out too when the person they moved to opted out; an
opt-out withdrawn sends planning-opt-in."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from deploy.local import StackSettings
from schemas.planning import PlanningMove, PlanningOptIn, PlanningOptOut, parse_planning_command
from streams.consent import repository
from streams.deid.classes import load_classes
from streams.deid.gate import planning_batch, planning_moves
from streams.deid.pseudonyms import PlanningKey, Pseudonymiser
from tests.unit.projections.builders import identity_change, linked
from tests.unit.streams.consent.builders import consent_event

NOW = datetime(2026, 12, 6, tzinfo=UTC)
PSEUDONYMS = Pseudonymiser(PlanningKey(b"g" * 32))


@pytest.fixture
def conn(stack: StackSettings) -> Iterator[psycopg.Connection[Any]]:
    schema = f"t_deid_{uuid.uuid4().hex[:10]}"
    connection = repository.connect(stack.postgres_dsn, schema)
    yield connection
    connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
    connection.close()


def _commands(values: list[bytes]) -> list[object]:
    return [parse_planning_command(v) for v in values]


def test_opt_out_then_withdrawn(conn: psycopg.Connection[Any]) -> None:
    """A Type 1 opt-out sends planning-opt-out; its newer PERMIT sends planning-opt-in."""
    _, value, headers = linked(consent_event("TYPE_1_OPT_OUT", local_patient_id="A1"), "person-a")
    out = planning_batch(conn, [(value, headers)], now=NOW, pseudonyms=PSEUDONYMS,
                         classes=load_classes())  # fmt: skip
    [sent] = _commands([o.value for o in out.outgoing])
    assert isinstance(sent, PlanningOptOut) and sent.reason == "type-1"
    assert sent.pseudonyms == (PSEUDONYMS.person("person-a"),)
    event = consent_event("TYPE_1_OPT_OUT", "PERMIT", local_patient_id="A1", version=2)
    _, value, headers = linked(event, "person-a")
    out = planning_batch(conn, [(value, headers)], now=NOW, pseudonyms=PSEUDONYMS,
                         classes=load_classes())  # fmt: skip
    assert [type(c) for c in _commands([o.value for o in out.outgoing])] == [PlanningOptIn]


def test_merge_into_an_opted_out_person(conn: psycopg.Connection[Any]) -> None:
    """A merge into a person who opted out moves the records and opts the survivor out."""
    _, value, headers = linked(
        consent_event("NATIONAL_DATA_OPT_OUT", local_patient_id="S1"), "survivor"
    )
    planning_batch(conn, [(value, headers)], now=NOW, pseudonyms=PSEUDONYMS, classes=load_classes())
    change = identity_change("MERGE", "survivor", previous="retired", source_keys=("RC9:R1",))
    out = planning_moves(conn, [change], now=NOW, pseudonyms=PSEUDONYMS)
    moved, opted = _commands([o.value for o in out.outgoing])
    assert isinstance(moved, PlanningMove) and moved.sources == (PSEUDONYMS.source("RC9:R1"),)
    assert moved.pseudonym == PSEUDONYMS.person("survivor")
    assert isinstance(opted, PlanningOptOut) and opted.pseudonyms == (
        PSEUDONYMS.person("survivor"),
    )
    link = identity_change("LINK", "someone", source_keys=("RC9:X1",))
    assert planning_moves(conn, [link], now=NOW, pseudonyms=PSEUDONYMS).outgoing == []
