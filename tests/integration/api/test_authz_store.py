"""Authorisation on the real PostgreSQL: the break-glass table is as append-only as the audit
log, openings expire, the audit rows carry who/what/why and still verify, and the access
report and break-glass review (functions and ``mcr audit`` commands) return the right rows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from consumers.api import audit
from consumers.api.auth.principal import OdsCode, PersonRoleId, Role
from consumers.api.authz import (
    access_report,
    active_break_glass,
    break_glass_report,
    list_break_glass,
    load_policy,
    new_break_glass,
    open_break_glass,
    opening_entry,
)
from consumers.api.authz.break_glass import BreakGlass
from consumers.api.chain import AuditEntry, link
from consumers.api.cli import audit_app
from consumers.api.settings import ApiSettings
from deploy.local import StackSettings
from tests.conftest import unique_name
from tests.integration.api.conftest import api_roles

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
DOCTOR = Role(PersonRoleId("555000001003"), OdsCode("RC9"), "S8000:G8000:R8000", "doctor")
TEXT = "Collapsed in clinic, no records held here"
ACTION = "GET /api/persons/{person_id}/record"
OPEN_ACTION = "POST /api/persons/{person_id}/break-glass"


@dataclass
class Store:
    """A fresh audit schema, written through the service's insert-only role."""

    settings: ApiSettings
    log: audit.AuditLog
    writer: psycopg.Connection[Any]
    owner: psycopg.Connection[Any]

    def open(self, *, user: str = "555000000003", person: str = "person-a",
             at: datetime = T0, code: str = "emergency-treatment") -> BreakGlass:  # fmt: skip
        grant = new_break_glass(user_id=user, role=DOCTOR, person_id=person, code=code,
                                text=TEXT, request_id=f"bg-{user}-{person}-{at:%H%M}",
                                policy=load_policy(), now=at)  # fmt: skip
        with self.log.writer() as conn:  # the service's own insert-only connection
            open_break_glass(conn, grant)
        self.log.append(opening_entry(grant, action=OPEN_ACTION))
        return grant

    def read(self, minutes: int, person: str, user: str = "555000000003",
             **why: Any) -> AuditEntry:  # fmt: skip
        entry = AuditEntry(T0 + minutes * MINUTE, f"r-{minutes}-{person}", user, "direct-care",
                           ACTION, "person_record", (person,), "shown", 200, 4, 0, **why)  # fmt: skip
        self.log.append(entry)
        return entry

    def cli(self, *args: str) -> Any:
        env = {"MCR_OPERATOR_DSN": self.settings.operator_dsn.get_secret_value(),
               "MCR_API_AUDIT_SCHEMA": self.settings.audit_schema}  # fmt: skip
        return CliRunner().invoke(audit_app, list(args), env=env)


@pytest.fixture
def store(stack: StackSettings) -> Iterator[Store]:
    schema = unique_name("t_audit")
    settings = ApiSettings(**api_roles(stack), audit_schema=schema,
                           audit_key_file=str(stack.audit_key_file))  # fmt: skip
    key = audit.load_key(settings.audit_key_file)
    log = audit.AuditLog(admin_dsn=stack.audit_owner_dsn, writer_dsn=settings.audit_writer_dsn,
                         schema=schema, role=settings.audit_role, key=key)  # fmt: skip
    writer = psycopg.connect(settings.audit_writer_dsn, autocommit=True,
                             options=f"-c search_path={schema}")  # fmt: skip
    owner = audit.connect(stack.audit_owner_dsn, schema)
    yield Store(settings, log, writer, owner)
    log.close()
    writer.close()
    owner.close()
    with psycopg.connect(stack.postgres_dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_the_break_glass_table_is_insert_only_for_the_writer_and_everyone(store: Store) -> None:
    """The writer may insert and read, nothing else (privilege); the owner, a superuser here,
    is stopped by the same triggers as the audit log."""
    grant = store.open()
    assert list_break_glass(store.writer) == [grant]
    for sql in ("UPDATE break_glass SET expires_at = now() + interval '1 year'",
                "DELETE FROM break_glass", "TRUNCATE break_glass", "DROP TABLE break_glass"):  # fmt: skip
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            store.writer.execute(sql)
    for sql in ("UPDATE break_glass SET reason_text = 'x'", "DELETE FROM break_glass",
                "TRUNCATE break_glass"):  # fmt: skip
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="break_glass is append"):
            store.owner.execute(sql)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="audit_log is append-only"):
        store.owner.execute("DELETE FROM audit_log")
    assert list_break_glass(store.owner) == [grant]


@pytest.mark.parametrize(
    ("user", "person", "at", "found"),
    [("555000000003", "person-a", T0, True), ("555000000003", "person-a", T0 + 59 * MINUTE, True),
     ("555000000003", "person-a", T0 + 60 * MINUTE, False),  # expired
     ("555000000003", "person-a", T0 - MINUTE, False),  # not yet open
     ("555000000003", "person-b", T0 + MINUTE, False),  # wrong person
     ("555000000004", "person-a", T0 + MINUTE, False)],  # wrong user
)  # fmt: skip
def test_an_opening_is_found_only_for_its_user_and_person_until_it_expires(
    store: Store, user: str, person: str, at: datetime, found: bool
) -> None:
    grant = store.open()
    assert active_break_glass(store.writer, user, person, at) == (grant if found else None)


def test_audit_rows_carry_why_and_the_chain_still_verifies(store: Store) -> None:
    """Rows with and without the new fields go through the writer and read back equal."""
    entries = [store.read(1, "person-a"),
               store.read(2, "person-a", relationship="holds-record",
                          categories=("results", "demographics")),
               opening_entry(store.open(at=T0 + 3 * MINUTE), action=OPEN_ACTION),
               store.read(4, "person-a", break_glass_reason="safeguarding", flagged=True)]  # fmt: skip
    rows = list(audit.rows(store.owner))
    sorted_categories = replace(entries[1], categories=("demographics", "results"))
    assert [r.entry for r in rows if r.entry.query_kind != "break_glass"] == [
        entries[0], sorted_categories, entries[3]]  # fmt: skip
    assert rows[2].entry == entries[2] and rows[2].entry.flagged
    stored = store.owner.execute(
        "SELECT relationship, flagged, categories FROM audit_log ORDER BY seq").fetchall()  # fmt: skip
    assert stored[0] == (None, None, None)  # unset: NULL, as on rows from before the columns
    assert stored[1] == ("holds-record", None, ["demographics", "results"])
    key = audit.load_key(store.settings.audit_key_file)
    assert audit.verify_log(store.owner, key=key).ok


def test_an_existing_log_migrates_and_its_old_rows_keep_verifying(store: Store) -> None:
    """A log made by the previous DDL (no authorisation columns, no break_glass table) gets
    them on the next start, and its rows verify unchanged."""
    schema = unique_name("t_audit")
    dsn = store.settings.audit_admin_dsn.get_secret_value()
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        with psycopg.connect(dsn, autocommit=True, options=f"-c search_path={schema}") as conn:
            conn.execute(OLD_SHAPE)
            key = audit.load_key(store.settings.audit_key_file)
            previous = None
            for n in range(3):
                entry = AuditEntry(T0 + n * MINUTE, f"old-{n}", "u", "direct-care", ACTION,
                                   "person_record", ("person-a",), "shown", 200, 1, 0)  # fmt: skip
                row = link(previous, entry, key)
                conn.execute("INSERT INTO audit_log VALUES "
                             "(%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                             (row.seq, entry.at, entry.request_id, entry.user_id, entry.purpose,
                              entry.action, entry.query_kind, list(entry.person_ids),
                              entry.outcome, entry.status, entry.shown, entry.kept_back,
                              row.prev_hash, row.hash, row.mac))  # fmt: skip
                previous = row
            audit.migrate(conn)
            assert audit.verify_log(conn, key=key).ok
            assert audit.verify_log(conn, key=key).checked == 3
            assert list_break_glass(conn) == []
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


#: audit_log as the DDL before the authorisation columns made it (and as it is in old schemas).
OLD_SHAPE = """CREATE TABLE audit_log (seq bigint PRIMARY KEY, at timestamptz NOT NULL,
    request_id text NOT NULL, user_id text NOT NULL, purpose text NOT NULL, action text NOT NULL,
    query_kind text NOT NULL, person_ids text[] NOT NULL, outcome text NOT NULL,
    status integer NOT NULL, shown integer NOT NULL, kept_back integer NOT NULL,
    prev_hash text NOT NULL, hash text NOT NULL UNIQUE, mac text)"""


def _trail(store: Store) -> BreakGlass:
    """person-a looked at three times (by relationship, break-glass, refused), person-b once;
    returns the opening."""
    store.read(1, "person-a", relationship="holds-record", categories=("demographics",))
    grant = store.open(at=T0 + 2 * MINUTE, user="555000000009", code="safeguarding")
    store.read(3, "person-a", user="555000000009", break_glass_reason="safeguarding",
               flagged=True, categories=("demographics", "results"))  # fmt: skip
    store.read(4, "person-b", relationship="registered-gp")
    store.log.append(replace(store.read(5, "person-a", user="555000000010"), request_id="r-x",
                             outcome="refused", status=403, shown=0))  # fmt: skip
    return grant


def test_the_access_report_lists_who_looked_at_one_person_newest_first(store: Store) -> None:
    _trail(store)
    events = access_report(store.owner, "person-a")
    assert [(e.user_id, e.why, e.outcome, e.status) for e in events] == [
        ("555000000010", "", "refused", 403),
        ("555000000010", "", "shown", 200),
        ("555000000009", "break-glass: safeguarding", "shown", 200),
        ("555000000009", "break-glass: safeguarding", "break_glass_opened", 201),
        ("555000000003", "holds-record", "shown", 200),
    ]  # fmt: skip
    assert events[2].flagged and events[2].categories == ("demographics", "results")
    assert [e.shown for e in events] == [0, 4, 4, 0, 4]
    assert [e.seq for e in events] == sorted((e.seq for e in events), reverse=True)
    window = access_report(store.owner, "person-a", since=T0 + 2 * MINUTE, until=T0 + 4 * MINUTE)
    assert [e.query_kind for e in window] == ["person_record", "break_glass"]
    assert [e.user_id for e in access_report(store.owner, "person-b")] == ["555000000003"]
    assert access_report(store.owner, "person-z") == []


def test_the_break_glass_review_lists_openings_with_their_uses(store: Store) -> None:
    first = _trail(store)
    second = store.open(at=T0 + 90 * MINUTE, person="person-b")
    reviews = break_glass_report(store.owner)
    assert [(r.opening, r.uses) for r in reviews] == [(second, 0), (first, 1)]
    assert [r.opening for r in break_glass_report(store.owner, since=T0 + 10 * MINUTE)] == [second]


def test_mcr_audit_access_report(store: Store) -> None:
    _trail(store)
    result = store.cli("access-report", "--person", "person-a", "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["person_id"] == "person-a" and len(found["events"]) == 5
    assert found["events"][2]["why"] == "break-glass: safeguarding"
    text = store.cli("access-report", "--person", "person-a", "--from", "2025-03-01",
                     "--to", "2025-03-01")  # fmt: skip
    assert text.exit_code == 0 and "5 request(s)" in text.output and "FLAGGED" in text.output
    later = store.cli("access-report", "--person", "person-a", "--from", "2025-03-02", "--json")
    assert json.loads(later.output)["events"] == []
    bad = store.cli("access-report", "--person", "person-a", "--from", "March")
    assert bad.exit_code == 2 and "--from: expected a date" in bad.output


def test_mcr_audit_break_glass_shows_the_free_text_only_here(store: Store) -> None:
    grant = _trail(store)
    result = store.cli("break-glass", "--json")
    assert result.exit_code == 0, result.output
    [opening] = json.loads(result.output)["openings"]
    assert (opening["id"], opening["reason_code"], opening["reason_text"], opening["uses"]) == (
        grant.id, "safeguarding", TEXT, 1)  # fmt: skip
    assert (opening["user_id"], opening["role_code"], opening["org_code"],
            opening["person_id"]) == ("555000000009", "S8000:G8000:R8000", "RC9", "person-a")  # fmt: skip
    text = store.cli("break-glass", "--since", "2025-03-01")
    assert text.exit_code == 0 and TEXT in text.output and "openings: 1" in text.output
    report = store.cli("access-report", "--person", "person-a", "--json")
    assert TEXT not in report.output


def test_the_ig_commands_exit_2_without_an_audit_log(stack: StackSettings) -> None:
    env = {"MCR_OPERATOR_DSN": stack.operator_dsn, "MCR_API_AUDIT_SCHEMA": unique_name("t_none")}
    for args in (["break-glass"], ["access-report", "--person", "p"]):
        result = CliRunner().invoke(audit_app, args, env=env)
        assert result.exit_code == 2 and "no audit log" in result.output
