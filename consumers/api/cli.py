"""``mcr api serve`` and ``mcr api audit-verify``: the query service and its audit log.

Output names counts, sequence numbers and hashes only.
"""

from __future__ import annotations

import typer

from consumers.api import audit
from consumers.api.server import serve as serve_forever
from consumers.api.settings import ApiSettings
from mcr.core.settings import replace

__all__ = ["app"]

app = typer.Typer(help="The query service and clinician viewer.", no_args_is_help=True)


@app.command()
def serve(
    host: str | None = typer.Option(None, "--host", help="Bind address (MCR_API_HOST)."),
    port: int | None = typer.Option(None, "--port", help="Port (MCR_API_PORT, 8480)."),
) -> None:
    """Serve the JSON API and the clinician viewer until interrupted."""
    settings = ApiSettings.from_env()
    settings = replace(
        settings,
        host=settings.host if host is None else host,
        port=settings.port if port is None else port,
    )
    typer.echo(f"viewer: http://{settings.host}:{settings.port}/")
    serve_forever(settings)


@app.command("audit-verify")
def audit_verify() -> None:
    """Walk the audit log's hash chain; exit 1 naming the first broken row."""
    settings = ApiSettings.from_env()
    conn = audit.connect(settings.postgres_dsn.get_secret_value(), settings.audit_schema)
    try:
        result = audit.verify_log(conn)
    finally:
        conn.close()
    if result.ok:
        typer.echo(
            f"audit chain intact: {result.checked} row(s), head seq {result.head_seq} "
            f"hash {result.head_hash}"
        )
        return
    typer.echo(
        f"audit chain BROKEN at seq {result.broken_seq}: {result.reason} "
        f"({result.checked} row(s) before it verified)",
        err=True,
    )
    raise typer.Exit(code=1)
