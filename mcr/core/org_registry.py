"""The organisation registry in PostgreSQL: who may publish, and where each one is in the
sharing lifecycle. Thin I/O around :mod:`schemas.organisations` (the rules live there).

It lives in the ground layer because the identity stage (admits only live organisations), the
query service (the public list) and the command line (``mcr org``) all read it. Only the
operators' role (``MCR_OPERATOR_DSN``: ``mcr org``, ``mcr stack up``'s seed) creates, migrates
and changes it; identity and the query service read it with their own roles, which may only
SELECT there (docs/security-stores.md), through :func:`connect` with ``create=False``.

Tables, in their own schema (``MCR_REGISTRY_SCHEMA``, default ``registry``):

- ``organisations``: one row per organisation (the fields of the region's file, plus when its
  status last changed); a CHECK keeps a live organisation's agreement date;
- ``organisation_changes``: every add, suspend and resume, with who did it and when.

:func:`seed` only inserts organisations that are missing, so it is idempotent and never undoes
an operator's suspension. Errors (:class:`RegistryError`) never echo what was given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import psycopg
from pydantic import Field

from mcr.core.errors import McrError
from mcr.core.postgres import quoted_schema, schema_connection
from mcr.core.settings import (
    McrSettings,
    OperatorDsn,
    SecretUrl,
    SqlIdentifier,
    local_dsn,
)
from schemas.organisations import (
    LifecycleError,
    Organisation,
    OrganisationKind,
    OrgStatus,
    load_organisations,
    next_status,
)

__all__ = [
    "DEFAULT_SCHEMA",
    "OrganisationExistsError",
    "RegistryError",
    "RegistrySettings",
    "UnknownOrganisationError",
    "add",
    "change_status",
    "changes",
    "check_readable",
    "connect",
    "get",
    "list_all",
    "seed",
    "seed_from_file",
    "statuses",
]

DEFAULT_SCHEMA = "registry"
_LOCK = 0x6D63_7272_6567  # "mcrreg": serialises migrations across processes
_KINDS = ", ".join(f"'{k.value}'" for k in OrganisationKind)
_STATUSES = ", ".join(f"'{s.value}'" for s in OrgStatus)
DDL = f"""
CREATE TABLE IF NOT EXISTS organisations (
    ods_code text PRIMARY KEY CHECK (ods_code ~ '^[A-Z0-9]{{3,8}}$'),
    name text NOT NULL,
    kind text NOT NULL CHECK (kind IN ({_KINDS})),
    systems text[] NOT NULL DEFAULT '{{}}',
    status text NOT NULL CHECK (status IN ({_STATUSES})),
    agreement_signed date,
    live_since date,
    contact text NOT NULL,
    areas text[] NOT NULL DEFAULT '{{}}',
    status_changed_at timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'live' OR agreement_signed IS NOT NULL)
);
CREATE TABLE IF NOT EXISTS organisation_changes (
    change_id bigserial PRIMARY KEY,
    ods_code text NOT NULL REFERENCES organisations (ods_code),
    action text NOT NULL,
    status text NOT NULL,
    changed_by text NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
"""
_COLUMNS = "ods_code, name, kind, systems, status, agreement_signed, contact, areas, live_since"
_INSERT = f"""INSERT INTO organisations ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (ods_code) DO NOTHING"""  # noqa: S608 (constant columns)
_SELECT = f"SELECT {_COLUMNS} FROM organisations"  # noqa: S608 (constant columns)


class RegistryError(McrError):
    """Root of the registry's errors."""


class UnknownOrganisationError(RegistryError):
    """No organisation has the code given."""


class OrganisationExistsError(RegistryError):
    """An organisation with the code given is already registered."""


class RegistrySettings(McrSettings):
    """Where the registry lives, the file it is seeded from (default: the shipped region),
    and where purge receipts are kept.

    ``MCR_OPERATOR_DSN`` (the operators' role, which owns the registry and the receipts),
    ``MCR_REGISTRY_SCHEMA`` (``registry``), ``MCR_ORGANISATIONS_FILE``,
    ``MCR_RECEIPTS_SCHEMA`` (``governance``).
    """

    postgres_dsn: OperatorDsn = SecretUrl(local_dsn("mcr_operator"))
    schema_name: Annotated[SqlIdentifier, Field(validation_alias="MCR_REGISTRY_SCHEMA")] = (
        DEFAULT_SCHEMA
    )
    receipts_schema: Annotated[SqlIdentifier, Field(validation_alias="MCR_RECEIPTS_SCHEMA")] = (
        "governance"
    )
    organisations_file: Annotated[Path | None, Field(validation_alias="MCR_ORGANISATIONS_FILE")] = (
        None
    )


def connect(
    dsn: str, schema: str = DEFAULT_SCHEMA, *, create: bool = True
) -> psycopg.Connection[Any]:
    """An autocommit connection on the registry ``schema``: created and migrated when
    ``create`` (the operators' role, its owner), else only read (identity, the service)."""
    if create:
        return schema_connection(dsn, schema, ddl=DDL, lock_id=_LOCK, setting="MCR_REGISTRY_SCHEMA")
    options = f"-c search_path={quoted_schema(schema, setting='MCR_REGISTRY_SCHEMA')}"
    return psycopg.connect(dsn, autocommit=True, options=options)


def check_readable(dsn: str, schema: str = DEFAULT_SCHEMA) -> None:
    """Raise RegistryError unless ``dsn``'s role can read the registry in ``schema`` (a reader
    starting before the operators made it, or without its grant, fails here, clearly)."""
    try:
        with connect(dsn, schema, create=False) as conn:
            conn.execute("SELECT 1 FROM organisations LIMIT 0")
    except (psycopg.errors.UndefinedTable, psycopg.errors.InsufficientPrivilege) as exc:
        raise RegistryError(
            "MCR_REGISTRY_SCHEMA: the organisation registry is missing or not readable by this "
            "role; the operators' role creates it (mcr stack up, mcr org)"
        ) from exc


def _row(org: Organisation) -> tuple[Any, ...]:
    return (org.ods_code, org.name, org.kind.value, list(org.systems), org.status.value,
            org.agreement_signed, org.contact, list(org.areas), org.live_since)  # fmt: skip


def _organisation(row: Sequence[Any]) -> Organisation:
    code, name, kind, systems, status, signed, contact, areas, live_since = row
    return Organisation(code, name, OrganisationKind(kind), tuple(systems), OrgStatus(status),
                        signed, contact, tuple(areas), live_since)  # fmt: skip


def seed(conn: psycopg.Connection[Any], organisations: Iterable[Organisation]) -> int:
    """Insert the organisations that are missing (never changes a registered one); returns how
    many were added."""
    added = 0
    with conn.transaction():
        for org in organisations:
            cursor = conn.execute(
                _INSERT,
                _row(org),
            )
            if cursor.rowcount:
                added += 1
                _changed(conn, org.ods_code, "seed", org.status, "seed")
    return added


def seed_from_file(settings: RegistrySettings) -> int:
    """Create the registry if needed and seed it from the settings' file; returns how many
    organisations were added."""
    organisations = load_organisations(settings.organisations_file)
    with connect(settings.postgres_dsn.get_secret_value(), settings.schema_name) as conn:
        return seed(conn, organisations)


def list_all(conn: psycopg.Connection[Any]) -> list[Organisation]:
    """Every organisation, by ODS code."""
    rows = conn.execute(_SELECT + " ORDER BY ods_code").fetchall()
    return [_organisation(row) for row in rows]


def get(conn: psycopg.Connection[Any], ods_code: str) -> Organisation:
    """The organisation with ``ods_code``; UnknownOrganisationError when there is none."""
    row = conn.execute(_SELECT + " WHERE ods_code = %s", (ods_code,)).fetchone()
    if row is None:
        raise UnknownOrganisationError("ods_code: no organisation is registered with that code")
    return _organisation(row)


def add(conn: psycopg.Connection[Any], org: Organisation, *, actor: str) -> Organisation:
    """Register ``org``; OrganisationExistsError when its code is taken."""
    with conn.transaction():
        cursor = conn.execute(
            _INSERT,
            _row(org),
        )
        if not cursor.rowcount:
            raise OrganisationExistsError("ods_code: an organisation with that code exists")
        _changed(conn, org.ods_code, "add", org.status, actor)
    return org


def change_status(
    conn: psycopg.Connection[Any], ods_code: str, action: str, *, actor: str, today: date
) -> Organisation:
    """Apply ``action`` (``suspend`` or ``resume``) under a row lock; LifecycleError for a
    move the lifecycle refuses. Going live for the first time sets ``live_since`` to
    ``today``."""
    with conn.transaction():
        conn.execute("SELECT 1 FROM organisations WHERE ods_code = %s FOR UPDATE", (ods_code,))
        current = get(conn, ods_code)
        status = next_status(current.status, action)
        if status is OrgStatus.LIVE and current.agreement_signed is None:
            raise LifecycleError("agreement_signed: an organisation goes live only once signed",
                                 field="agreement_signed")  # fmt: skip
        conn.execute(
            "UPDATE organisations SET status = %s, status_changed_at = now(), "
            "live_since = COALESCE(live_since, CASE WHEN %s = 'live' THEN %s::date END) "
            "WHERE ods_code = %s",
            (status.value, status.value, today, ods_code),
        )
        _changed(conn, ods_code, action, status, actor)
    return get(conn, ods_code)


def _changed(
    conn: psycopg.Connection[Any], ods_code: str, action: str, status: OrgStatus, actor: str
) -> None:
    conn.execute(
        "INSERT INTO organisation_changes (ods_code, action, status, changed_by) "
        "VALUES (%s, %s, %s, %s)",
        (ods_code, action, status.value, actor),
    )


def changes(conn: psycopg.Connection[Any], ods_code: str) -> list[tuple[str, str, str, datetime]]:
    """The organisation's lifecycle history: (action, status, by whom, when), oldest first."""
    rows = conn.execute(
        "SELECT action, status, changed_by, changed_at FROM organisation_changes "
        "WHERE ods_code = %s ORDER BY change_id",
        (ods_code,),
    ).fetchall()
    return [(a, s, b, at.astimezone(UTC)) for a, s, b, at in rows]


def statuses(
    conn: psycopg.Connection[Any], schema: str, ods_codes: Iterable[str]
) -> dict[str, OrgStatus]:
    """The status of each registered code among ``ods_codes`` (missing: not registered), read
    from ``schema`` on any connection (the identity stage's search path is the MPI's)."""
    codes = sorted(set(ods_codes))
    if not codes:
        return {}
    table = f"{quoted_schema(schema, setting='MCR_REGISTRY_SCHEMA')}.organisations"
    query = f"SELECT ods_code, status FROM {table} WHERE ods_code = ANY(%s)"  # noqa: S608 (checked)
    rows = conn.execute(query, (codes,)).fetchall()
    return {code: OrgStatus(status) for code, status in rows}
