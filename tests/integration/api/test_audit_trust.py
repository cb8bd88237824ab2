"""An audit nobody can quietly rewrite, on the real PostgreSQL and Kafka: the service's role may
only insert, every role is stopped by the triggers, and whatever an owner does behind their
back (edit, delete, re-chain, cut the tail, forge a row, truncate, drop, forge an anchor) is
found by ``mcr audit verify``, which itself never creates anything."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from confluent_kafka import Producer
from typer.testing import CliRunner

from consumers.api import audit
from consumers.api.anchor_log import AnchorPublisher, ensure_anchor_topic, read_anchors
from consumers.api.anchors import Anchor
from consumers.api.audit_check import verify_audit
from consumers.api.chain import AuditEntry, ChainedRow, link
from consumers.api.cli import audit_app
from consumers.api.settings import ApiSettings
from deploy.local import StackSettings
from tests.conftest import unique_name
from tests.integration.api.conftest import api_roles

ROWS = 6


def _entry(n: int) -> AuditEntry:
    at = datetime(2025, 3, 1, 12, 0, tzinfo=UTC) + timedelta(seconds=n)
    return AuditEntry(at, f"req-{n}", "dr-audit", "direct-care", "read", "person_record",
                      (f"person-{n % 2}",), "shown", 200, 3, 0)  # fmt: skip


@dataclass
class Trail:
    """A fresh audit schema with ``ROWS`` rows written by the service's path, anchored."""

    settings: ApiSettings
    log: audit.AuditLog
    anchors: AnchorPublisher
    owner: psycopg.Connection[object]

    def tamper(self, sql: str, params: tuple[object, ...] = ()) -> None:
        """Run ``sql`` as the table's owner with its triggers off (an insider's rights)."""
        self.owner.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
        self.owner.execute(sql, params)

    def rows(self) -> list[ChainedRow]:
        return list(audit.rows(self.owner))

    def insert(self, row: ChainedRow, mac: str | None) -> None:
        e = row.entry
        self.owner.execute(
            "INSERT INTO audit_log VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            (row.seq, e.at, e.request_id, e.user_id, e.purpose, e.action, e.query_kind,
             list(e.person_ids), e.outcome, e.status, e.shown, e.kept_back, row.prev_hash,
             row.hash, mac),
        )  # fmt: skip


@pytest.fixture
def trail(stack: StackSettings) -> Iterator[Trail]:
    schema = unique_name("t_audit")
    settings = ApiSettings(
        **api_roles(stack), audit_schema=schema,
        audit_key_file=str(stack.audit_key_file), kafka=stack.kafka_admin,
        anchor_topic=f"t.anchors.{uuid.uuid4().hex[:10]}", anchor_interval_s=60,
    )  # fmt: skip
    key = audit.load_key(settings.audit_key_file)
    log = audit.AuditLog(admin_dsn=stack.audit_owner_dsn, writer_dsn=settings.audit_writer_dsn,
                         schema=schema, role=settings.audit_role, key=key)  # fmt: skip
    ensure_anchor_topic(stack.kafka_admin, settings.anchor_topic)
    anchors = AnchorPublisher(kafka=stack.kafka_admin, topic=settings.anchor_topic,
                              schema=schema, key=key, head=lambda: log.last, interval_s=60)  # fmt: skip
    for n in range(1, ROWS + 1):
        log.append(_entry(n))
    assert anchors.publish()
    owner = audit.connect(stack.audit_owner_dsn, schema)
    yield Trail(settings, log, anchors, owner)
    log.close()
    owner.close()
    with psycopg.connect(stack.postgres_dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _faults(trail: Trail) -> list[str]:
    report = verify_audit(trail.settings)
    return list(report.faults)


def test_an_untouched_trail_verifies_with_every_row_signed_and_anchored(trail: Trail) -> None:
    """Six rows, each with its mac, the head anchored at row 6: intact (exit 0 on the CLI)."""
    report = verify_audit(trail.settings)
    assert report.ok and (report.rows, report.anchored_seq, report.unauthenticated) == (6, 6, 0)
    assert all(row.mac for row in trail.rows())
    env = {**trail.settings.kafka.environment(),  # the admin: test anchor topics are t.*
           "MCR_OPERATOR_DSN": trail.settings.operator_dsn.get_secret_value(),
           "MCR_API_AUDIT_SCHEMA": trail.settings.audit_schema,
           "MCR_AUDIT_ANCHOR_TOPIC": trail.settings.anchor_topic}  # fmt: skip
    result = CliRunner().invoke(audit_app, ["verify", "--json"], env=env)
    assert result.exit_code == 0 and json.loads(result.output)["rows"] == 6


def test_the_service_role_may_only_insert_and_the_triggers_stop_everyone(trail: Trail) -> None:
    """UPDATE, DELETE and TRUNCATE are refused to the writer by privilege, and to the owner
    (its own role, mcr_audit_owner) by the triggers."""
    with psycopg.connect(trail.settings.audit_writer_dsn, autocommit=True,
                         options=f"-c search_path={trail.settings.audit_schema}") as writer:  # fmt: skip
        for sql in ("UPDATE audit_log SET user_id = 'x'", "DELETE FROM audit_log",
                    "TRUNCATE audit_log", "DROP TABLE audit_log"):  # fmt: skip
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                writer.execute(sql)
    for sql in (
        "UPDATE audit_log SET user_id = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            trail.owner.execute(sql)
    assert len(trail.rows()) == ROWS


def _edit(trail: Trail) -> None:
    trail.tamper("UPDATE audit_log SET user_id = 'someone-else' WHERE seq = 3")


def _rechain(trail: Trail) -> None:
    """Edit row 3 and recompute every hash after it: a self-consistent chain without the key."""
    rows = trail.rows()
    trail.tamper("DELETE FROM audit_log WHERE seq >= 3")
    previous = rows[1]
    for row in rows[2:]:
        entry = row.entry if row.seq != 3 else AuditEntry(**{**row.entry.__dict__, "user_id": "x"})
        previous = link(previous, entry)
        trail.insert(previous, row.mac)


def _delete(trail: Trail) -> None:
    trail.tamper("DELETE FROM audit_log WHERE seq = 3")


def _cut_tail(trail: Trail) -> None:
    trail.tamper("DELETE FROM audit_log WHERE seq > 4")


def _forge_row(trail: Trail) -> None:
    """Append row 7 that links correctly to row 6, with a mac made without the key."""
    forged = link(trail.rows()[-1], _entry(7), key=b"not-the-audit-key-not-the-audit-key")
    trail.insert(forged, forged.mac)


def _truncate(trail: Trail) -> None:
    trail.tamper("TRUNCATE audit_log")


def _drop(trail: Trail) -> None:
    trail.owner.execute("DROP TABLE audit_log")


def _forge_anchor(trail: Trail) -> None:
    fake = Anchor(
        trail.settings.audit_schema, 6, "0" * 64, "2025-03-01T12:00:00.000+00:00", "f" * 64
    )
    producer = Producer(trail.settings.kafka.config())
    producer.produce(trail.settings.anchor_topic, value=fake.to_json())
    assert producer.flush(10) == 0


@pytest.mark.parametrize(
    ("tamper", "fault"),
    [
        (_edit, "row 3: hash: does not match the row's content"),
        (_rechain, "row 3: mac: does not match"),
        (_delete, "row 4: seq: expected 3"),
        (_cut_tail, "head: row 6 was anchored but the table ends at row 4"),
        (_forge_row, "row 7: mac: does not match"),
        (_truncate, "head: row 6 was anchored but the table ends at row 0"),
        (_drop, "table: audit_log is missing but row 6 was anchored (dropped)"),
        (_forge_anchor, "anchors: 1 with a signature that does not verify"),
    ],
    ids=[
        "edit",
        "re-chain",
        "delete",
        "cut-tail",
        "forged-row",
        "truncate",
        "drop",
        "forged-anchor",
    ],
)
def test_every_kind_of_tampering_is_detected(
    trail: Trail, tamper: Callable[[Trail], None], fault: str
) -> None:
    """Each insider edit leaves a fault naming what was done, and verify exits 1."""
    tamper(trail)
    faults = _faults(trail)
    assert len(faults) == 1 and faults[0].startswith(fault), faults
    env = {**trail.settings.kafka.environment(),  # the admin: test anchor topics are t.*
           "MCR_OPERATOR_DSN": trail.settings.operator_dsn.get_secret_value(),
           "MCR_API_AUDIT_SCHEMA": trail.settings.audit_schema,
           "MCR_AUDIT_ANCHOR_TOPIC": trail.settings.anchor_topic}  # fmt: skip
    result = CliRunner().invoke(audit_app, ["verify"], env=env)
    assert result.exit_code == 1 and "BROKEN" in result.output


def test_verify_creates_nothing(trail: Trail) -> None:
    """After the table is dropped, verify reports it and the table is still gone."""
    _drop(trail)
    assert not verify_audit(trail.settings).ok
    found = trail.owner.execute("SELECT to_regclass('audit_log')").fetchone()
    assert found == (None,)


def test_the_anchors_follow_the_head(trail: Trail) -> None:
    """A new row moves the head; the next anchor names it, and an unmoved head sends none."""
    trail.log.append(_entry(7))
    assert trail.anchors.publish() and not trail.anchors.publish()
    anchors = read_anchors(trail.settings.kafka, trail.settings.anchor_topic,
                           trail.settings.audit_schema)  # fmt: skip
    assert [a.seq for a in anchors] == [6, 7]


class _SettingSpy:
    """A connection whose statements pass through; after the row's INSERT it notes the
    transaction's ``synchronous_commit`` (what the row's commit will obey)."""

    def __init__(self, conn: psycopg.Connection[object]) -> None:
        self.conn, self.seen = conn, list[str]()

    def transaction(self):  # type: ignore[no-untyped-def]
        return self.conn.transaction()

    def pipeline(self):  # type: ignore[no-untyped-def]
        return self.conn.pipeline()

    def execute(self, sql: str, params: object = None):  # type: ignore[no-untyped-def]
        cursor = self.conn.execute(sql, params)  # type: ignore[arg-type]
        if "pg_advisory_xact_lock" in sql:
            found = self.conn.execute("SHOW synchronous_commit").fetchone()
            self.seen.append(str(found[0]) if found else "")
        return cursor


def test_an_append_commits_synchronously_whatever_the_session_default(trail: Trail) -> None:
    """The writer's session may default to asynchronous commit; the audit row's own
    transaction is durable (synchronous_commit on), and only that transaction."""
    trail.owner.execute("SET synchronous_commit = off")
    spy = _SettingSpy(trail.owner)
    audit.append(spy, _entry(ROWS + 1))  # type: ignore[arg-type]
    assert spy.seen == ["on"]
    after = trail.owner.execute("SHOW synchronous_commit").fetchone()
    assert after is not None and after[0] == "off"


def test_concurrent_writers_keep_one_chain_and_lose_no_row(
    trail: Trail, stack: StackSettings
) -> None:
    """Two service processes (two logs on one schema, each with its own idea of the head)
    appending from many threads at once: every row is written once, in one unbroken signed
    chain (group commits within a process, lost races for the head between them)."""
    key = audit.load_key(trail.settings.audit_key_file)
    other = audit.AuditLog(admin_dsn=stack.audit_owner_dsn,
                           writer_dsn=trail.settings.audit_writer_dsn,
                           schema=trail.settings.audit_schema, role=trail.settings.audit_role,
                           key=key)  # fmt: skip
    per_thread, threads = 15, 8
    try:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            futures = [
                pool.submit(lambda log, t: [log.append(_entry(100 + t * per_thread + i))
                                            for i in range(per_thread)],
                            trail.log if t % 2 else other, t)
                for t in range(threads)
            ]  # fmt: skip
            written = [row for future in futures for row in future.result()]
    finally:
        other.close()
    rows = trail.rows()
    assert len(rows) == ROWS + per_thread * threads
    assert sorted(r.seq for r in written) == list(range(ROWS + 1, len(rows) + 1))
    assert {r.entry.request_id for r in rows[ROWS:]} == {r.entry.request_id for r in written}
    checked = audit.verify_log(trail.owner, key=key)
    assert checked.ok and checked.checked == len(rows)
    assert _faults(trail) == []
