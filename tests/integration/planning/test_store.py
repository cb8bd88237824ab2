"""The planning store on real PostgreSQL (and Kafka for the rebuild): idempotent under repeats,
merges and unmerges move contributions, an opt-out removes them wherever they moved and keeps
late ones out, with one receipt; ``mcr rebuild planning`` rebuilds the same store from the log."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from confluent_kafka import Producer

from consumers.ops.rebuild_planning import rebuild_planning
from deploy.local import StackSettings
from mcr.core import receipts
from mcr.core.kafka_acls import OPS, component_acls, owned_by
from mcr.core.kafka_principals import apply_acls, revoke
from mcr.core.settings import replace
from projections.planning import store
from projections.planning.batch import InboundMessage, apply_batch
from projections.planning.settings import PlanningStoreSettings
from schemas.codec import encode_record
from schemas.events import PLANNING_TOPIC
from schemas.planning import (
    PlanningCommand,
    PlanningMove,
    PlanningOptIn,
    PlanningOptOut,
    planning_command_message,
)

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def fact(item: str, pseudonym: str, source: str, **fields: Any) -> InboundMessage:
    """A planning event message (an encounter unless ``event_type`` says otherwise)."""
    payload = {"pseudonym": pseudonym, "item": item, "source": source, "key_id": "k1",
               "version": 1, "deleted": False, "event_type": "ENCOUNTER",
               "iso_week": "2026-W02", "org": "RC9", "org_kind": "acute",
               "service": "Cardiology", "encounter_class": "OUTPATIENT", **fields}  # fmt: skip
    value = encode_record("planning_event", payload)
    return InboundMessage(pseudonym.encode(), value, [], "t", 0, 0)


def command(cmd: PlanningCommand) -> InboundMessage:
    key, value, headers = planning_command_message(cmd)
    return InboundMessage(key, value, headers, "t", 0, 0)


def opt_out(*names: str) -> InboundMessage:
    return command(PlanningOptOut(str(uuid.uuid4()), names, "national-data-opt-out", "Y01", T0))


def move(sources: tuple[str, ...], to: str, minutes: int) -> InboundMessage:
    return command(PlanningMove(str(uuid.uuid4()), sources, to, T0 + timedelta(minutes=minutes)))


@pytest.fixture
def settings(stack: StackSettings) -> Iterator[PlanningStoreSettings]:
    tag = uuid.uuid4().hex[:10]
    made = PlanningStoreSettings(postgres_dsn=stack.postgres_dsn, kafka=stack.kafka_admin,
                                 schema_name=f"t_plan_{tag}", receipts_schema=f"t_rcpt_{tag}",
                                 topic_prefix=f"t.plan.{tag}.")  # fmt: skip
    receipts.connect(stack.postgres_dsn, made.receipts_schema).close()
    yield made
    with psycopg.connect(stack.postgres_dsn, autocommit=True) as admin:
        for schema in admin.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
                                    (f"t_%{tag}%",)).fetchall():  # fmt: skip
            admin.execute(f'DROP SCHEMA "{schema[0]}" CASCADE')


def _people(conn: psycopg.Connection[Any]) -> dict[str, int]:
    rows = conn.execute("SELECT person, count(*) FROM contributions GROUP BY 1").fetchall()
    return {person: count for person, count in rows}


def _everything(conn: psycopg.Connection[Any]) -> dict[str, list[tuple[Any, ...]]]:
    tables = ("facts", "owners", "weekly_encounters", "weekly_people", "weekly_results")
    return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
            for t in tables}  # fmt: skip


def test_moves_opt_outs_and_repeats(settings: PlanningStoreSettings) -> None:
    """A merge moves an item to the survivor; the survivor's opt-out removes it too, keeps a
    late item of the moved record out, and leaves one receipt; repeats change nothing."""
    dsn = settings.postgres_dsn.get_secret_value()
    schema = settings.receipts_schema
    first = [fact("i1", "p1", "s1"), fact("i2", "p1", "s2"), fact("i3", "p2", "s3"),
             fact("i4", "p3", "s4", event_type="PATIENT", age_band="18-29", sex="MALE",
                  district="LU1", service=None, encounter_class=None)]  # fmt: skip
    with store.connect(dsn, settings.schema_name) as conn:
        apply_batch(conn, first, receipts_schema=schema)
        before = _everything(conn)
        apply_batch(conn, first, receipts_schema=schema)
        assert _everything(conn) == before, "a repeat changes nothing"
        apply_batch(conn, [move(("s3",), "p1", 1)], receipts_schema=schema)
        assert _people(conn) == {"p1": 3, "p3": 1}
        apply_batch(conn, [move(("s3",), "p2", 0)], receipts_schema=schema)  # older, read late
        assert _people(conn) == {"p1": 3, "p3": 1}
        result = apply_batch(conn, [opt_out("p1")], receipts_schema=schema)
        assert result.removed == 3 and _people(conn) == {"p3": 1}
        apply_batch(conn, [fact("i5", "p2", "s3")], receipts_schema=schema)  # late, pre-merge
        assert _people(conn) == {"p3": 1}, "a late item of a moved record stays out"
        apply_batch(conn, [move(("s3",), "p2", 2), fact("i6", "p2", "s3")], receipts_schema=schema)
        assert _people(conn) == {"p2": 1, "p3": 1}, "after the unmerge the record counts again"
        apply_batch(conn, [command(PlanningOptIn(str(uuid.uuid4()), ("p1",))),
                           fact("i7", "p1", "s1")], receipts_schema=schema)  # fmt: skip
        assert _people(conn)["p1"] == 1, "an opt-in lets new items in"
    with receipts.connect(dsn, schema) as conn:
        assert [(r.store, r.removed) for r in receipts.for_subjects(conn, ["p1"])] == [
            ("planning", 3)
        ]


def test_bad_messages_are_dead_letters(settings: PlanningStoreSettings) -> None:
    """An unreadable message is a dead letter; the rest of its batch is applied."""
    dsn = settings.postgres_dsn.get_secret_value()
    bad = InboundMessage(b"k", b"not avro", [], "t", 0, 7)
    with store.connect(dsn, settings.schema_name) as conn:
        result = apply_batch(conn, [bad, fact("i1", "p1", "s1")],
                             receipts_schema=settings.receipts_schema)  # fmt: skip
        assert [(d.offset, d.reason) for d in result.dead_letters] == [(7, "CorruptEventError")]
        assert _people(conn) == {"p1": 1}


def test_rebuild_from_the_log(settings: PlanningStoreSettings, stack: StackSettings) -> None:
    """The rebuilt store equals the store the live messages made, and replaces it; the
    rebuild reads as the operators' principal (``mcr rebuild planning``)."""
    from confluent_kafka.admin import AdminClient

    from deploy.local.topics import ensure_topics

    ensure_topics(settings.kafka, prefix=settings.topic_prefix, partitions=2,
                  names=[PLANNING_TOPIC])  # fmt: skip
    acls = component_acls(settings.topic_prefix)
    apply_acls(AdminClient(settings.kafka.config()), acls)
    messages = [fact("i1", "p1", "s1"), fact("i2", "p2", "s2"), move(("s2",), "p1", 1),
                fact("i3", "p3", "s3"), opt_out("p3")]  # fmt: skip
    producer = Producer(settings.kafka.config())
    for m in messages:
        producer.produce(settings.planning_topic, key=m.key, value=m.value, headers=list(m.headers))
    assert producer.flush(30) == 0
    dsn = settings.postgres_dsn.get_secret_value()
    with store.connect(dsn, settings.schema_name) as conn:
        apply_batch(conn, messages[:2], receipts_schema=settings.receipts_schema)  # live: behind
    result = rebuild_planning(replace(settings, kafka=stack.kafka_client(OPS)))
    assert result.events == len(messages) and result.previous is None
    with psycopg.connect(dsn, options=f"-c search_path={settings.schema_name}") as conn:
        assert _people(conn) == {"p1": 2}
    admin = AdminClient(settings.kafka.config())
    revoke(admin, owned_by(acls, settings.topic_prefix))  # never the stack's shared rules
    admin.delete_topics([settings.planning_topic])
