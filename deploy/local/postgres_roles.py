"""Least-privilege PostgreSQL roles of the local stack: one login per component, its grants,
and a ``pg_hba.conf`` with no ``trust`` in it (docs/security-stores.md has the table and why).

The statements are built here as data (pure, unit-tested); :func:`provision` runs them as the
superuser, idempotently, so a data folder from before (superuser-owned schemas, ``trust``) is
upgraded by the next ``mcr stack up``. Passwords never travel as SQL text: each is turned into
a SCRAM verifier on the client (libpq's ``PQencryptPasswordConn``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from psycopg import Connection, sql

from mcr.core import receipts

__all__ = [
    "ADMIN",
    "DATABASE",
    "HBA",
    "ROLES",
    "Role",
    "grant_statements",
    "provision",
    "set_admin_password",
]

ADMIN = "postgres"
DATABASE = "mcr"
IDENTITY, CONSENT, QUERY = "mcr_identity", "mcr_consent", "mcr_query"
AUDIT_OWNER, AUDIT_WRITER, OPERATOR = "mcr_audit_owner", "mcr_audit_writer", "mcr_operator"
RECORD, PLANNING = "mcr_record", "mcr_planning"
RECEIPTS_SCHEMA = receipts.DEFAULT_SCHEMA

# Peer on the socket for the postgres OS user only (the server's own tools); every other login,
# the superuser's over TCP included, proves a password by SCRAM. Nothing is trusted.
HBA = """\
# Written by `mcr stack up` (deploy/local/postgres_roles.py); edits are overwritten.
# TYPE  DATABASE  USER      ADDRESS        METHOD
local   all       postgres                 peer
local   all       all                      scram-sha-256
host    all       all       127.0.0.1/32   scram-sha-256
host    all       all       ::1/128        scram-sha-256
"""


@dataclass(frozen=True)
class Role:
    """A component's login role: the environment variable its DSN goes to, whether it may
    create schemas (it then owns and migrates them), and the schema it owns by default (handed
    over from the superuser when a data folder from before has it)."""

    name: str
    variable: str
    creates_schemas: bool
    default_schema: str | None


ROLES: tuple[Role, ...] = (
    Role(IDENTITY, "MCR_IDENTITY_DSN", creates_schemas=True, default_schema="mpi"),
    Role(CONSENT, "MCR_CONSENT_DSN", creates_schemas=True, default_schema="consent"),
    Role(QUERY, "MCR_API_DSN", creates_schemas=False, default_schema=None),
    Role(AUDIT_OWNER, "MCR_API_AUDIT_ADMIN_DSN", creates_schemas=True, default_schema="audit"),
    Role(AUDIT_WRITER, "MCR_API_AUDIT_DSN", creates_schemas=False, default_schema=None),
    Role(OPERATOR, "MCR_OPERATOR_DSN", creates_schemas=True, default_schema="registry"),
    Role(RECORD, "MCR_RECORD_DSN", creates_schemas=False, default_schema=None),
    Role(PLANNING, "MCR_PLANNING_DSN", creates_schemas=True, default_schema="planning"),
)
# Schemas a role owns besides its default one (handed over on an upgrade like the defaults).
_ALSO_OWNED = {RECEIPTS_SCHEMA: OPERATOR}
# Who may write purge receipts (read, insert, complete) in the operators' receipts schema, and
# nothing else there: the record projection and the planning store report their purges.
_RECEIPT_WRITERS = (RECORD, PLANNING)
_RECEIPT_RIGHTS = "SELECT, INSERT, UPDATE"

# (owner, grantee, privileges on the owner's tables, on its sequences): what each role may do
# in the schemas another role creates, now and later (ALTER DEFAULT PRIVILEGES).
_READS: tuple[tuple[str, str, str, str | None], ...] = (
    (IDENTITY, OPERATOR, "SELECT, INSERT, UPDATE, DELETE", "USAGE, SELECT"),  # review, merge
    (CONSENT, QUERY, "SELECT", None),  # consent at read
    (AUDIT_OWNER, OPERATOR, "SELECT", None),  # mcr audit verify, access reports
    (OPERATOR, IDENTITY, "SELECT", None),  # the organisation registry
    (OPERATOR, QUERY, "SELECT", None),
    (PLANNING, OPERATOR, "SELECT", None),  # mcr report planning
)


def _default_grants(
    owner: str, grantee: str, tables: str, sequences: str | None
) -> list[sql.Composed]:
    who, to = sql.Identifier(owner), sql.Identifier(grantee)
    found = [
        sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} GRANT USAGE ON SCHEMAS TO {}").format(
            who, to
        ),
        sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} GRANT {} ON TABLES TO {}").format(
            who, sql.SQL(tables), to
        ),
    ]
    if sequences:
        found.append(
            sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} GRANT {} ON SEQUENCES TO {}").format(
                who, sql.SQL(sequences), to
            )
        )
    return found


def _existing_grants(
    schema: str, grantee: str, tables: str, sequences: str | None
) -> list[sql.Composed]:
    """What the default privileges would have given on a schema made before them."""
    where, to = sql.Identifier(schema), sql.Identifier(grantee)
    found = [
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(where, to),
        sql.SQL("GRANT {} ON ALL TABLES IN SCHEMA {} TO {}").format(sql.SQL(tables), where, to),
    ]
    if sequences:
        found.append(
            sql.SQL("GRANT {} ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
                sql.SQL(sequences), where, to
            )
        )
    return found


def grant_statements(existing_schemas: Mapping[str, str] | None = None) -> list[sql.Composed]:
    """Every grant, in order, for roles that already exist. ``existing_schemas`` maps a schema
    found in the database to the role that must own it (an upgrade): it gets the grants the
    default privileges give new schemas."""
    db = sql.Identifier(DATABASE)
    found = [
        sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db),
        sql.Composed([sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC")]),
    ]
    for role in ROLES:
        name = sql.Identifier(role.name)
        found.append(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(db, name))
        if role.creates_schemas:
            found.append(sql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(db, name))
        else:
            found.append(sql.SQL("REVOKE CREATE ON DATABASE {} FROM {}").format(db, name))
    for owner, grantee, tables, sequences in _READS:
        found += _default_grants(owner, grantee, tables, sequences)
        for schema, schema_owner in (existing_schemas or {}).items():
            if schema_owner == owner:
                found += _existing_grants(schema, grantee, tables, sequences)
    return found + _receipt_grants()


def _receipt_grants() -> list[sql.Composed]:
    """The receipts schema, the operators', made here so that its writers (who may create
    nothing) find it; they get rights on its tables and on no other schema of the operators."""
    where, owner = sql.Identifier(RECEIPTS_SCHEMA), sql.Identifier(OPERATOR)
    rights = sql.SQL(_RECEIPT_RIGHTS)
    found = [sql.SQL("CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION {}").format(where, owner)]
    for writer in _RECEIPT_WRITERS:
        to = sql.Identifier(writer)
        found += [
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(where, to),
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} GRANT {} ON TABLES TO {}"
            ).format(owner, where, rights, to),
            sql.SQL("GRANT {} ON ALL TABLES IN SCHEMA {} TO {}").format(rights, where, to),
        ]
    return found


def _receipts_table() -> list[sql.Composed]:
    """The receipts table, made as its owner (its writers may not make it)."""
    return [
        sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(OPERATOR)),
        sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(RECEIPTS_SCHEMA)),
        sql.Composed([sql.SQL(receipts.DDL)]),
        sql.Composed([sql.SQL("RESET ROLE")]),
        sql.Composed([sql.SQL("RESET search_path")]),
    ]


_HAND_OVER = """
DO $$
DECLARE item record;
BEGIN
    EXECUTE format('ALTER SCHEMA %I OWNER TO %I', {schema}, {owner});
    FOR item IN SELECT c.relname, c.relkind FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = {schema} AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    LOOP
        EXECUTE format('ALTER %s %I.%I OWNER TO %I',
            CASE item.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                 WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
            {schema}, item.relname, {owner});
    END LOOP;
    -- sequences a column owns moved with their table; only free-standing ones are left
    FOR item IN SELECT c.relname FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = {schema} AND c.relkind = 'S'
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid
                              AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))
    LOOP
        EXECUTE format('ALTER SEQUENCE %I.%I OWNER TO %I', {schema}, item.relname, {owner});
    END LOOP;
    FOR item IN SELECT p.oid::regprocedure AS fn FROM pg_proc p
            JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = {schema}
    LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO %I', item.fn, {owner});
    END LOOP;
END $$
"""


def _hand_over(schema: str, owner: str) -> sql.Composed:
    """The schema and everything in it to ``owner`` (its component then migrates it)."""
    return sql.SQL(_HAND_OVER).format(schema=sql.Literal(schema), owner=sql.Literal(owner))


def provision(conn: Connection[Any], passwords: Mapping[str, str]) -> None:
    """Create or update every role of :data:`ROLES` with its password from ``passwords``, hand
    the default schemas of a data folder from before to their owners, and grant (idempotent).
    ``conn`` is the superuser's, on :data:`DATABASE`, in autocommit."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(7236514100)")
        for role in ROLES:
            _ensure_role(conn, role.name, passwords[role.name])
        owners = {r.default_schema: r.name for r in ROLES if r.default_schema} | _ALSO_OWNED
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", (list(owners),)
        ).fetchall()
        existing = {row[0]: owners[row[0]] for row in rows}
        for schema, owner in existing.items():
            conn.execute(_hand_over(schema, owner))
        for statement in grant_statements(existing) + _receipts_table():
            conn.execute(statement)


def _ensure_role(conn: Connection[Any], name: str, password: str) -> None:
    verifier = conn.pgconn.encrypt_password(password.encode(), name.encode(), b"scram-sha-256")
    attributes = sql.SQL(
        "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD {}"
    ).format(sql.Literal(verifier.decode()))
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
    verb = "ALTER" if exists else "CREATE"
    conn.execute(sql.SQL(verb + " ROLE {} {}").format(sql.Identifier(name), attributes))


def set_admin_password(conn: Connection[Any], password: str) -> None:
    """The superuser's password (its SCRAM verifier), for the bootstrap's TCP logins."""
    verifier = conn.pgconn.encrypt_password(password.encode(), ADMIN.encode(), b"scram-sha-256")
    conn.execute(
        sql.SQL("ALTER ROLE {} PASSWORD {}").format(
            sql.Identifier(ADMIN), sql.Literal(verifier.decode())
        )
    )
