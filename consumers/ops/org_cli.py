"""``mcr org list | show | add | suspend | resume | rotate-credentials | purge | receipts``.

Registry changes are recorded with the operating system user who ran them. Output shows codes,
names, kinds, statuses, dates and counts: nothing about patients. Errors name the field and the
rule, never the value given (exit 2 for bad input or an unknown code, 1 for a refused move).
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from consumers.ops import org_kafka
from consumers.ops.errors import OpsError
from consumers.ops.org_purge import PurgeRequest, PurgeTargets, purge_organisation
from mcr.core import org_registry, receipts
from mcr.core.errors import McrError
from mcr.core.kafka_acls import ADMIN, OPS
from mcr.core.kafka_client import KafkaClientSettings
from mcr.core.opensearch import connect as opensearch_client
from mcr.core.org_registry import RegistrySettings, UnknownOrganisationError
from projections.record.settings import RecordSettings
from schemas.organisations import (
    LifecycleError,
    Organisation,
    OrganisationError,
    OrganisationKind,
    OrgStatus,
    check_ods_code,
)
from streams.identity.settings import IdentitySettings

__all__ = ["org_app"]

org_app = typer.Typer(help="The organisation registry: who may publish.", no_args_is_help=True)
console = Console()
JSON_OPTION = typer.Option(False, "--json", help="One JSON object.")
CREDENTIALS_OPTION = typer.Option(
    None, "--credentials-dir", help="Where password files go (default MCR_KAFKA_SECRETS_DIR)."
)


def _settings() -> RegistrySettings:
    return RegistrySettings.from_env()


def _registry(settings: RegistrySettings) -> Any:
    return org_registry.connect(settings.postgres_dsn.get_secret_value(), settings.schema_name)


def _fail(exc: McrError) -> typer.Exit:
    typer.echo(f"org: {exc}", err=True)
    refused = isinstance(exc, LifecycleError | OpsError) and not isinstance(
        exc, UnknownOrganisationError
    )
    return typer.Exit(1 if refused else 2)


def _code(ods_code: str) -> str:
    try:
        return check_ods_code(ods_code.strip().upper())
    except OrganisationError as exc:
        raise _fail(exc) from exc


def _as_dict(org: Organisation) -> dict[str, Any]:
    return {
        "ods_code": org.ods_code, "name": org.name, "kind": org.kind.value,
        "systems": list(org.systems), "status": org.status.value,
        "agreement_signed": org.agreement_signed.isoformat() if org.agreement_signed else None,
        "live_since": org.live_since.isoformat() if org.live_since else None,
        "contact": org.contact, "areas": list(org.areas),
    }  # fmt: skip


_COLOURS = {OrgStatus.LIVE: "green", OrgStatus.ONBOARDING: "yellow", OrgStatus.SUSPENDED: "red"}


def _table(orgs: Sequence[Organisation], title: str) -> Table:
    table = Table(title=title)
    for column in ("ODS", "name", "kind", "status", "signed", "live since", "systems"):
        table.add_column(column)
    for org in orgs:
        table.add_row(
            org.ods_code, org.name, org.kind.value,
            f"[{_COLOURS[org.status]}]{org.status.value}[/]",
            str(org.agreement_signed or "-"), str(org.live_since or "-"), ", ".join(org.systems),
        )  # fmt: skip
    return table


@org_app.command("list")
def list_organisations(
    status: OrgStatus | None = typer.Option(None, "--status", help="Only this status."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Every registered organisation (by ODS code)."""
    with _registry(_settings()) as conn:
        orgs = [o for o in org_registry.list_all(conn) if status is None or o.status is status]
    if as_json:
        typer.echo(json.dumps({"total": len(orgs), "organisations": [_as_dict(o) for o in orgs]}))
        return
    console.print(_table(orgs, f"{len(orgs)} organisation(s)"))


@org_app.command("show")
def show(
    ods_code: str = typer.Argument(..., help="ODS code."), as_json: bool = JSON_OPTION
) -> None:
    """One organisation and its lifecycle history."""
    code = _code(ods_code)
    try:
        with _registry(_settings()) as conn:
            org = org_registry.get(conn, code)
            history = org_registry.changes(conn, code)
    except McrError as exc:
        raise _fail(exc) from exc
    events = [{"action": a, "status": s, "by": b, "at": at.isoformat(timespec="seconds")}
              for a, s, b, at in history]  # fmt: skip
    if as_json:
        typer.echo(json.dumps({**_as_dict(org), "history": events}))
        return
    console.print(_table([org], f"{org.ods_code}"))
    console.print(f"contact: {org.contact}; areas: {', '.join(org.areas) or '-'}")
    changes = Table(title="history")
    for column in ("at", "action", "status", "by"):
        changes.add_column(column)
    for event in events:
        changes.add_row(event["at"], event["action"], event["status"], event["by"])
    console.print(changes)


@org_app.command("add")
def add(
    ods_code: str = typer.Argument(..., help="ODS code (3-8 letters or digits)."),
    *,
    name: str = typer.Option(..., "--name", help="Organisation name."),
    kind: OrganisationKind = typer.Option(..., "--kind", help="Kind of care."),
    contact: str = typer.Option(..., "--contact", help="Role mailbox for the agreement."),
    systems: list[str] = typer.Option([], "--system", help="A source system (repeatable)."),
    areas: list[str] = typer.Option([], "--area", help="An area served (repeatable)."),
    signed: datetime | None = typer.Option(None, "--agreement-signed", formats=["%Y-%m-%d"],
                                           help="Date the sharing agreement was signed."),
    live: bool = typer.Option(False, "--live", help="Live at once (needs --agreement-signed)."),
    credentials_dir: Path | None = CREDENTIALS_OPTION,
) -> None:  # fmt: skip
    """Register an organisation: onboarding (the default) until `mcr org resume`, or --live;
    provision its Kafka user, topic and ACLs and print its producer configuration."""
    code = _code(ods_code)
    try:
        status = OrgStatus.LIVE if live else OrgStatus.ONBOARDING
        org = Organisation(
            code, name.strip(), kind, tuple(systems), status, signed.date() if signed else None,
            contact.strip(), tuple(areas), date.today() if live else None,
        )  # fmt: skip
        with _registry(_settings()) as conn:
            org_registry.add(conn, org, actor=getpass.getuser())
    except McrError as exc:
        raise _fail(exc) from exc
    console.print(f"{code} registered: {org.status.value}")
    kafka = _kafka_admin()
    if not kafka.secured:
        console.print("Kafka runs without security here: no credentials to provision")
        return
    prefix = IdentitySettings.from_env().topic_prefix
    try:
        handed = org_kafka.provision(kafka, code, credentials_dir=_credentials_dir(
            kafka, credentials_dir), topic_prefix=prefix)  # fmt: skip
    except McrError as exc:
        raise _fail(exc) from exc
    console.print(f"Kafka user {handed.username}; password in {handed.password_file} (0600). "
                  "Producer configuration (no secret in it):")  # fmt: skip
    typer.echo(handed.properties)


def _kafka_admin() -> KafkaClientSettings:
    """This operator's Kafka settings, as the admin principal unless a user is set."""
    return KafkaClientSettings.from_env().resolve(ADMIN)


def _credentials_dir(kafka: KafkaClientSettings, given: Path | None) -> Path:
    found = given or kafka.secrets_dir
    if found is None:
        raise _fail(OpsError("--credentials-dir: needed (or MCR_KAFKA_SECRETS_DIR)"))
    return found


@org_app.command("rotate-credentials")
def rotate_credentials(
    ods_code: str = typer.Argument(..., help="ODS code."),
    credentials_dir: Path | None = CREDENTIALS_OPTION,
) -> None:
    """Replace the organisation's Kafka password (the old one is refused from now on); the new
    one is written to its password file, never printed."""
    code = _code(ods_code)
    try:
        with _registry(_settings()) as conn:
            org_registry.get(conn, code)
        kafka = _kafka_admin()
        target = org_kafka.rotate(kafka, code, credentials_dir=_credentials_dir(
            kafka, credentials_dir))  # fmt: skip
    except McrError as exc:
        raise _fail(exc) from exc
    console.print(f"{code}: new Kafka password in {target} (0600); hand it over securely")


def _move(ods_code: str, action: str) -> None:
    code = _code(ods_code)
    try:
        with _registry(_settings()) as conn:
            org = org_registry.change_status(conn, code, action, actor=getpass.getuser(),
                                             today=date.today())  # fmt: skip
    except McrError as exc:
        raise _fail(exc) from exc
    console.print(f"{code}: {org.status.value}")


@org_app.command("suspend")
def suspend(ods_code: str = typer.Argument(..., help="ODS code.")) -> None:
    """Stop a live organisation's new events entering the record (identity dead-letters them
    from its next batch); what it already shared stays until `mcr org purge`."""
    _move(ods_code, "suspend")


@org_app.command("resume")
def resume(ods_code: str = typer.Argument(..., help="ODS code.")) -> None:
    """Make an onboarding (signed) or suspended organisation live."""
    _move(ods_code, "resume")


@org_app.command("purge")
def purge(
    ods_code: str = typer.Argument(..., help="ODS code of a suspended organisation."),
    *,
    requested_by: str = typer.Option(..., "--requested-by", help="Who asked (for the receipt)."),
    reason: str = typer.Option(..., "--reason", help="Why (for the receipt)."),
    source_topic: str | None = typer.Option(None, "--source-topic", help="Projection source."),
    group: str | None = typer.Option(None, "--group", help="Projection consumer group."),
    alias: str | None = typer.Option(None, "--alias", help="Record alias."),
    timeout_s: float = typer.Option(120, "--timeout", help="Seconds to wait for the projection."),
) -> None:  # fmt: skip
    """Remove everything a suspended organisation shared from the record, and keep a receipt."""
    code = _code(ods_code)
    if not requested_by.strip() or not reason.strip():
        raise _fail(OpsError("--requested-by and --reason: must not be empty"))
    settings, record = _settings(), RecordSettings.from_env()
    identity = IdentitySettings.from_env()
    targets = PurgeTargets(
        record.kafka.resolve(OPS), settings.postgres_dsn.get_secret_value(), settings.schema_name,
        settings.receipts_schema, identity.schema_name, source_topic or record.source_topic,
        group or record.group_id, alias or record.alias,
    )  # fmt: skip
    operators = record.for_operators()  # the operators' OpenSearch user when one is set
    client = opensearch_client(operators.opensearch_url.get_secret_value(), timeout_s=30,
                               ca_file=record.opensearch_ca_file)  # fmt: skip
    request = PurgeRequest(code, reason.strip(), requested_by.strip(), getpass.getuser())
    try:
        receipt = purge_organisation(targets, request, client, timeout_s=timeout_s)
    except McrError as exc:
        raise _fail(exc) from exc
    finally:
        client.close()
    stores = receipt.stores
    console.print(f"{code} purged: {stores.get('record', 0)} document(s) from the record, "
                  f"{stores.get('identity_held', 0)} held event(s) dropped; "
                  f"receipt {receipt.receipt_id}")  # fmt: skip


def _receipt_row(receipt: receipts.Receipt) -> dict[str, Any]:
    def at(value: datetime | None) -> str | None:
        return value.astimezone(UTC).isoformat(timespec="seconds") if value else None

    return {
        "receipt_id": receipt.receipt_id, "subject_kind": receipt.subject_kind.value,
        "subject": receipt.subject, "reason": receipt.reason,
        "requested_by": receipt.requested_by, "operator": receipt.operator,
        "requested_at": at(receipt.requested_at), "completed_at": at(receipt.completed_at),
        "stores": dict(receipt.stores),
    }  # fmt: skip


@org_app.command("receipts")
def list_receipts(as_json: bool = JSON_OPTION) -> None:
    """Every purge receipt, newest first: who asked, when, which stores, how many items."""
    settings = _settings()
    dsn = settings.postgres_dsn.get_secret_value()
    with receipts.connect(dsn, settings.receipts_schema) as conn:
        rows = [_receipt_row(r) for r in receipts.list_receipts(conn)]
    if as_json:
        typer.echo(json.dumps({"total": len(rows), "receipts": rows}))
        return
    table = Table(title=f"{len(rows)} purge receipt(s)")
    for column in ("requested", "subject", "reason", "requested by", "operator", "completed",
                   "stores", "receipt"):  # fmt: skip
        table.add_column(column)
    for row in rows:
        stores = ", ".join(f"{k}: {v}" for k, v in row["stores"].items()) or "-"
        table.add_row(row["requested_at"], f"{row['subject_kind']} {row['subject']}",
                      row["reason"], row["requested_by"], row["operator"],
                      row["completed_at"] or "[yellow]pending[/]", stores,
                      row["receipt_id"])  # fmt: skip
    console.print(table)
