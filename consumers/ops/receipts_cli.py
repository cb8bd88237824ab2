"""``mcr consent receipts --person <person id>``: every purge of a person, from every store.

Information governance's view of the one receipts store (``mcr.core.receipts``): the record
store's receipts name the person id; the planning store's name the person's pseudonym (the
planning store never holds person ids), so the command computes the pseudonym under every
configured planning key. Output: times, stores, reasons, who asked, counts; never PHI.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from pydantic import Field
from rich.console import Console
from rich.table import Table

from mcr.core import receipts
from mcr.core.settings import (
    DEFAULT_POSTGRES_DSN,
    McrSettings,
    PostgresDsn,
    SecretUrl,
    SqlIdentifier,
)
from streams.deid.pseudonyms import PlanningKeyError, Pseudonymiser, load_key

__all__ = ["ReceiptsSettings", "consent_app", "subjects_of"]

consent_app = typer.Typer(help="Consent follow-through: purge receipts.", no_args_is_help=True)
console = Console()


class ReceiptsSettings(McrSettings):
    """Where the receipts are, and the planning keys that make pseudonyms."""

    postgres_dsn: PostgresDsn = SecretUrl(DEFAULT_POSTGRES_DSN)
    receipts_schema: Annotated[SqlIdentifier, Field(validation_alias="MCR_RECEIPTS_SCHEMA")] = (
        "governance"
    )
    key_file: Annotated[str, Field(validation_alias="MCR_PLANNING_KEY_FILE")] = ""
    previous_key_files: Annotated[
        str, Field(validation_alias="MCR_PLANNING_PREVIOUS_KEY_FILES")
    ] = ""


def subjects_of(settings: ReceiptsSettings, person_id: str) -> list[str]:
    """The person id and the person's planning pseudonyms (under every key that loads)."""
    try:
        previous = [p.strip() for p in settings.previous_key_files.split(",") if p.strip()]
        pseudonyms = Pseudonymiser(load_key(settings.key_file), [load_key(p) for p in previous])
    except PlanningKeyError as exc:
        console.print(f"[yellow]planning receipts left out:[/yellow] {exc}")
        return [person_id]
    return [person_id, *pseudonyms.person_under_every_key(person_id)]


@consent_app.command("receipts")
def receipts_command(
    person: Annotated[str, typer.Option("--person", help="The person id (MPI).")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")] = False,
) -> None:
    """List every purge receipt of a person: record and planning stores."""
    settings = ReceiptsSettings.from_env()
    subjects = subjects_of(settings, person)
    with receipts.connect(
        settings.postgres_dsn.get_secret_value(), settings.receipts_schema
    ) as conn:
        found = receipts.for_subjects(conn, subjects)
    if as_json:
        for r in found:
            typer.echo(json.dumps({"store": r.store, "reason": r.reason,
                                   "requested_by": r.requested_by,
                                   "requested_at": r.requested_at.isoformat(),
                                   "completed_at": r.completed_at.isoformat(),
                                   "removed": r.removed, "receipt_id": r.receipt_id}))  # fmt: skip
        return
    table = Table("completed", "store", "reason", "requested by", "removed", "receipt")
    for r in found:
        table.add_row(r.completed_at.isoformat(timespec="seconds"), r.store, r.reason,
                      r.requested_by, str(r.removed), r.receipt_id)  # fmt: skip
    console.print(table if found else "no receipts")
