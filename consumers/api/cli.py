"""``mcr api serve`` and ``mcr api audit-verify``: the query service and its audit log.

Output names counts, sequence numbers and hashes only.
"""

from __future__ import annotations

import json

import typer

from consumers.api.audit_check import verify_audit
from consumers.api.auth import AuthSettings
from consumers.api.errors import ApiError
from consumers.api.server import serve as serve_forever
from consumers.api.settings import ApiSettings
from mcr.core.settings import replace

__all__ = ["app", "audit_app"]

app = typer.Typer(help="The query service and clinician viewer.", no_args_is_help=True)


@app.command()
def serve(
    host: str | None = typer.Option(None, "--host", help="Bind address (MCR_API_HOST)."),
    port: int | None = typer.Option(None, "--port", help="Port (MCR_API_PORT, 8480)."),
) -> None:
    """Serve the JSON API (uvicorn) and the clinician viewer until interrupted."""
    settings = ApiSettings.from_env()
    settings = replace(
        settings,
        host=settings.host if host is None else host,
        port=settings.port if port is None else port,
    )
    typer.echo(f"viewer: http://{settings.host}:{settings.port}/")
    serve_forever(settings, AuthSettings.from_env())


audit_app = typer.Typer(help="The audit log: verify it.", no_args_is_help=True)


@audit_app.callback()
def _audit_group() -> None:
    """Audit log commands."""


@audit_app.command("verify")
def verify(as_json: bool = typer.Option(False, "--json", help="One JSON object.")) -> None:
    """Check the audit log against its key and its anchors: exit 0 when intact, 1 naming
    what is wrong (a changed, deleted, forged or re-chained row, a cut tail, a truncated or
    dropped table, a forged anchor), 2 when the key or the anchors cannot be read. Reads only:
    it never creates the table."""
    settings = ApiSettings.from_env()
    try:
        report = verify_audit(settings)
    except ApiError as exc:
        typer.echo(f"audit verify: {exc}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps(report.as_json()))
    elif report.ok:
        typer.echo(f"audit chain intact: {report.rows} row(s), head seq {report.head_seq} "
                   f"hash {report.head_hash}; {report.anchors} anchor(s), latest at seq "
                   f"{report.anchored_seq}")  # fmt: skip
    else:
        for fault in report.faults:
            typer.echo(f"audit chain BROKEN: {fault}", err=True)
    raise typer.Exit(0 if report.ok else 1)


@app.command("audit-verify")
def audit_verify(as_json: bool = typer.Option(False, "--json", help="One JSON object.")) -> None:
    """The same as ``mcr audit verify`` (kept as an alias)."""
    verify(as_json)
