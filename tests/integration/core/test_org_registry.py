"""The organisation registry and purge receipts on the real PostgreSQL, each in a fresh schema."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import psycopg
import pytest

from deploy.local import StackSettings
from mcr.core import org_registry, receipts
from mcr.core.org_registry import OrganisationExistsError, UnknownOrganisationError
from schemas.organisations import LifecycleError, OrgStatus, load_organisations

REGION = load_organisations()
TODAY = date(2026, 12, 6)


@pytest.fixture
def registry(stack: StackSettings, operator_schema: str) -> Any:
    """A registry seeded from the shipped region file, in a fresh schema."""
    with org_registry.connect(stack.operator_dsn, operator_schema) as conn:
        org_registry.seed(conn, REGION)
        yield conn


def test_seeding_is_idempotent_and_never_undoes_a_suspension(registry: Any) -> None:
    """A second seed adds nothing and leaves an operator's suspension in place."""
    org_registry.change_status(registry, "RC9", "suspend", actor="ops", today=TODAY)
    assert org_registry.seed(registry, REGION) == 0
    assert org_registry.get(registry, "RC9").status is OrgStatus.SUSPENDED
    assert len(org_registry.list_all(registry)) == len(REGION)


def test_statuses_are_read_from_another_search_path(
    registry: Any, stack: StackSettings, operator_schema: str
) -> None:
    """The identity stage's look-up (its own role, on its own search path) names the registry
    schema; unknown codes are absent."""
    with psycopg.connect(stack.identity_dsn, autocommit=True) as other:
        found = org_registry.statuses(other, operator_schema, ["RC9", "00KC", "ZZ999"])
    assert found == {"RC9": OrgStatus.LIVE, "00KC": OrgStatus.ONBOARDING}


def test_lifecycle_is_recorded_with_who_and_sets_live_since_once(registry: Any) -> None:
    """Onboarding -> live sets live_since; suspend and resume keep it; history says who."""
    live = org_registry.change_status(registry, "00KC", "resume", actor="alice", today=TODAY)
    assert (live.status, live.live_since) == (OrgStatus.LIVE, TODAY)
    org_registry.change_status(registry, "00KC", "suspend", actor="bob", today=TODAY)
    later = date(2027, 1, 1)
    again = org_registry.change_status(registry, "00KC", "resume", actor="bob", today=later)
    assert again.live_since == TODAY
    history = [(a, s, b) for a, s, b, _ in org_registry.changes(registry, "00KC")]
    assert history == [
        ("seed", "onboarding", "seed"),
        ("resume", "live", "alice"),
        ("suspend", "suspended", "bob"),
        ("resume", "live", "bob"),
    ]


def test_refused_moves_change_nothing(registry: Any) -> None:
    """Unsigned organisations cannot go live; lifecycle and unknown codes are refused."""
    with pytest.raises(LifecycleError, match="agreement_signed"):
        org_registry.change_status(registry, "RYC", "resume", actor="ops", today=TODAY)
    with pytest.raises(LifecycleError):
        org_registry.change_status(registry, "RYC", "suspend", actor="ops", today=TODAY)
    with pytest.raises(UnknownOrganisationError, match="ods_code"):
        org_registry.change_status(registry, "ZZ999", "suspend", actor="ops", today=TODAY)
    assert org_registry.get(registry, "RYC").status is OrgStatus.ONBOARDING


def test_add_refuses_a_taken_code(registry: Any) -> None:
    """Adding an organisation whose code is registered fails; a new one is listed."""
    rc9 = org_registry.get(registry, "RC9")
    with pytest.raises(OrganisationExistsError):
        org_registry.add(registry, rc9, actor="ops")
    new = replace(rc9, ods_code="RTEST1", status=OrgStatus.ONBOARDING, live_since=None)
    org_registry.add(registry, new, actor="ops")
    assert org_registry.get(registry, "RTEST1") == new


def test_receipts_are_opened_completed_and_listed(
    stack: StackSettings, operator_schema: str
) -> None:
    """A receipt records who asked and when, then what each store removed."""
    asked = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)
    with receipts.connect(stack.operator_dsn, operator_schema) as conn:
        opened = receipts.open_receipt(
            conn, subject_kind=receipts.PurgeSubject.ORGANISATION, subject="RC9",
            reason="agreement ended", requested_by="ig.lead@example.org", operator="ops",
            requested_at=asked,
        )  # fmt: skip
        assert not opened.completed
        done = receipts.complete(conn, opened.command_id, stores={"record": 12}, at=asked)
        (listed,) = receipts.list_receipts(conn, subject_kind=receipts.PurgeSubject.ORGANISATION)
        assert receipts.list_receipts(conn, subject_kind=receipts.PurgeSubject.PERSON) == []
        with pytest.raises(receipts.ReceiptError):
            receipts.complete(conn, "no-such-command", stores={}, at=asked)
    assert listed == done
    assert (listed.requested_by, listed.stores, listed.completed_at) == (
        "ig.lead@example.org", {"record": 12}, asked,
    )  # fmt: skip


def _owner(stack: StackSettings, schema: str) -> tuple[str, set[str]]:
    """The schema's owner and its tables' owners, as the catalogue says."""
    with psycopg.connect(stack.postgres_dsn, autocommit=True) as admin:
        row = admin.execute(
            "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = %s", (schema,)
        ).fetchone()
        tables = admin.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = %s", (schema,)
        ).fetchall()
    assert row is not None, schema
    return str(row[0]), {str(t[0]) for t in tables}


def test_the_stacks_registry_is_the_operators_own(stack: StackSettings) -> None:
    """``mcr stack up`` seeds the registry as the operators' role: it owns the schema and its
    tables (docs/security-stores.md)."""
    assert _owner(stack, org_registry.DEFAULT_SCHEMA) == ("mcr_operator", {"mcr_operator"})


@pytest.mark.parametrize("role", ["identity", "query"])
def test_identity_and_the_service_read_the_registry_and_may_not_change_it(
    registry: Any, stack: StackSettings, operator_schema: str, role: str
) -> None:
    """Identity (MCR_IDENTITY_DSN) and the query service (MCR_API_DSN) read the operators'
    registry; neither may change a row, the tables, or migrate it."""
    dsn = {"identity": stack.identity_dsn, "query": stack.query_dsn}[role]
    org_registry.check_readable(dsn, operator_schema)
    with org_registry.connect(dsn, operator_schema, create=False) as reader:
        assert len(org_registry.list_all(reader)) == len(REGION)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            org_registry.change_status(reader, "RC9", "suspend", actor="x", today=TODAY)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            reader.execute("ALTER TABLE organisations ADD COLUMN x int")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        org_registry.connect(dsn, operator_schema).close()  # migrating: the owner's only
    assert org_registry.get(registry, "RC9").status is OrgStatus.LIVE


def test_the_consent_stage_may_not_read_the_registry(
    registry: Any, stack: StackSettings, operator_schema: str
) -> None:
    with pytest.raises(org_registry.RegistryError, match="not readable"):
        org_registry.check_readable(stack.consent_dsn, operator_schema)


def test_a_reader_never_creates_a_missing_registry(stack: StackSettings) -> None:
    """Identity starting before the operators made the registry fails clearly and creates
    nothing (the registry stays the operators' to make)."""
    missing = f"t_missing_{uuid.uuid4().hex[:8]}"
    with pytest.raises(org_registry.RegistryError, match="MCR_REGISTRY_SCHEMA"):
        org_registry.check_readable(stack.identity_dsn, missing)
    with psycopg.connect(stack.postgres_dsn, autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (missing,))
        assert found.fetchone() is None
