"""Least privilege on the real server: each component's role reaches its own schema and the
reads it is granted, nothing else; passwords are checked; nothing is trusted."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from psycopg import errors

from deploy.local import StackSettings
from deploy.local.postgres_roles import ROLES
from tests.conftest import unique_name

IDENTITY, CONSENT, QUERY = "mcr_identity", "mcr_consent", "mcr_query"
AUDIT_OWNER, AUDIT_WRITER, OPERATOR = "mcr_audit_owner", "mcr_audit_writer", "mcr_operator"
RECORD, PLANNING = "mcr_record", "mcr_planning"
OWNERS = (IDENTITY, CONSENT, AUDIT_OWNER, OPERATOR, PLANNING)
#: (role, owner of the schema) -> what the role may do there; everything else is refused.
ALLOWED = {
    (OPERATOR, IDENTITY): {"select", "insert", "update", "delete"},  # review, merge
    (QUERY, CONSENT): {"select"},
    (OPERATOR, AUDIT_OWNER): {"select"},  # audit verify, access reports
    (IDENTITY, OPERATOR): {"select"},  # the organisation registry
    (QUERY, OPERATOR): {"select"},
    (OPERATOR, PLANNING): {"select"},  # mcr report planning
}
WRITES = {
    "insert": "INSERT INTO {t} (v) VALUES ('x')",
    "update": "UPDATE {t} SET v = 'y'",
    "delete": "DELETE FROM {t}",
}


@pytest.fixture(scope="module")
def schemas(stack: StackSettings) -> Iterator[dict[str, str]]:
    """One schema per owning role, made by that role, each with a table of one row."""
    made = {}
    for owner in OWNERS:
        name = unique_name("t_roles")
        with psycopg.connect(stack.role_dsn(owner), autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{name}"')
            conn.execute(f'CREATE TABLE "{name}".items (id serial PRIMARY KEY, v text)')
            conn.execute(f"INSERT INTO \"{name}\".items (v) VALUES ('x')")
        made[owner] = name
    yield made
    with psycopg.connect(stack.postgres_dsn, autocommit=True) as conn:
        for name in made.values():
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')


def _attempt(stack: StackSettings, role: str, statement: str) -> bool:
    """True when ``role`` may run ``statement`` (rolled back either way)."""
    with psycopg.connect(stack.role_dsn(role)) as conn:
        try:
            conn.execute(statement)
        except errors.InsufficientPrivilege:
            return False
        finally:
            conn.rollback()
    return True


CASES = [(role.name, owner) for role in ROLES for owner in OWNERS if role.name != owner]


@pytest.mark.parametrize(("role", "owner"), CASES)
def test_a_role_reaches_another_schema_only_as_granted(
    stack: StackSettings, schemas: dict[str, str], role: str, owner: str
) -> None:
    """Reads and writes on another component's table succeed exactly where the roles table
    (docs/security-stores.md) grants them, and are refused by privilege everywhere else."""
    table = f'"{schemas[owner]}".items'
    allowed = ALLOWED.get((role, owner), set())
    found = {"select"} if _attempt(stack, role, f"SELECT * FROM {table}") else set()
    for name, template in WRITES.items():
        if _attempt(stack, role, template.format(t=table)):
            found.add(name)
    assert found == allowed
    assert not _attempt(stack, role, f"DROP TABLE {table}")
    assert not _attempt(stack, role, f"TRUNCATE {table}")


def test_the_receipt_writers_may_write_receipts_and_not_remove_them(stack: StackSettings) -> None:
    """The record projection and the planning store write and complete purge receipts in the
    operators' ``governance`` schema (made by ``mcr stack up``); neither may delete one or
    make anything there."""
    table = "governance.purge_receipts"
    insert = (
        f"INSERT INTO {table} (receipt_id, command_id, subject_kind, subject, reason, "
        "requested_by, operator, requested_at) VALUES (gen_random_uuid(), "
        "gen_random_uuid()::text, 'person', 'p', 'test', 'test', 'test', now())"
    )
    for role in (RECORD, PLANNING):
        assert _attempt(stack, role, insert), role
        assert _attempt(stack, role, f"UPDATE {table} SET completed_at = now() WHERE false")
        assert _attempt(stack, role, f"SELECT * FROM {table}")
        assert not _attempt(stack, role, f"DELETE FROM {table}")
        assert not _attempt(stack, role, f"TRUNCATE {table}")
        assert not _attempt(stack, role, "CREATE TABLE governance.t_no (v text)")
        assert not _attempt(stack, role, "SELECT * FROM registry.organisations")


def test_the_query_and_writer_roles_may_not_create_schemas(stack: StackSettings) -> None:
    """Roles that own nothing cannot make a schema (nor a table in ``public``)."""
    for role in (QUERY, AUDIT_WRITER, RECORD):
        assert not _attempt(stack, role, f'CREATE SCHEMA "{unique_name("t_no")}"')
        assert not _attempt(stack, role, "CREATE TABLE public.t_no (v text)")


def test_no_component_role_is_privileged(stack: StackSettings) -> None:
    """Every component role logs in and is neither superuser nor able to create roles or
    databases or bypass row security."""
    names = [role.name for role in ROLES]
    with psycopg.connect(stack.postgres_dsn) as conn:
        rows = conn.execute(
            "SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls "
            "FROM pg_roles WHERE rolname = ANY(%s) ORDER BY rolname",
            (names,),
        ).fetchall()
    assert [row[0] for row in rows] == sorted(names)
    assert all(row[1:] == (True, False, False, False, False) for row in rows)


@pytest.mark.parametrize("role", [*(r.name for r in ROLES), "postgres"])
def test_a_wrong_or_missing_password_is_refused(stack: StackSettings, role: str) -> None:
    """Over TCP every login, the superuser's included, needs its own password."""
    base = f"host={stack.host} port={stack.postgres_port} dbname=mcr user={role}"
    for dsn in (base, f"{base} password=wrong-password"):
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(dsn, connect_timeout=5)


def test_another_roles_password_is_refused(stack: StackSettings) -> None:
    """A component cannot log in as another with its own password."""
    password = stack.postgres_password(QUERY)
    dsn = (f"host={stack.host} port={stack.postgres_port} dbname=mcr user={CONSENT} "
           f"password={password}")  # fmt: skip
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(dsn, connect_timeout=5)


def test_no_rule_trusts_anyone(stack: StackSettings) -> None:
    """The server's loaded pg_hba rules: SCRAM over TCP, peer for the postgres OS user on the
    socket, and no ``trust`` anywhere."""
    with psycopg.connect(stack.postgres_dsn) as conn:
        rules = conn.execute(
            "SELECT type, user_name, auth_method, error FROM pg_hba_file_rules"
        ).fetchall()
        encryption = conn.execute("SHOW password_encryption").fetchone()
    assert rules and all(error is None for *_, error in rules)
    assert {method for _, _, method, _ in rules} == {"peer", "scram-sha-256"}
    assert all(method == "scram-sha-256" for kind, _, method, _ in rules if kind == "host")
    assert [users for _, users, method, _ in rules if method == "peer"] == [["postgres"]]
    assert encryption == ("scram-sha-256",)
