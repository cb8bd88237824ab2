"""``mcr api serve`` and ``mcr api audit-verify``: the query service and its audit log.
``mcr audit verify | access-report | break-glass``: checking the audit, and the information
governance reports.

Output names counts, sequence numbers, hashes, ids and codes only; the one exception is the
free text of break-glass reasons in ``mcr audit break-glass``, for the IG review.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import psycopg
import typer

from consumers.api import audit
from consumers.api.audit_check import verify_audit
from consumers.api.auth import AuthSettings
from consumers.api.authz import reports as authz_reports
from consumers.api.errors import ApiError
from consumers.api.server import serve as serve_forever
from consumers.api.settings import ApiSettings
from mcr.core.metrics import MetricsSettings
from mcr.core.postgres import Connection
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
    serve_forever(settings, AuthSettings.from_env(), MetricsSettings.from_env())


audit_app = typer.Typer(
    help="The audit log: verify it; who looked at a record; break-glass review.",
    no_args_is_help=True,
)


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


# -- information governance (issue 10): the access report and the break-glass review ---------


@audit_app.command("access-report")
def access_report_command(
    person: str = typer.Option(..., "--person", help="The person id (never an NHS number)."),
    since: str | None = typer.Option(None, "--from", help="From this date or ISO time (UTC)."),
    until: str | None = typer.Option(None, "--to", help="Up to this date (inclusive) or time."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object."),
) -> None:
    """Who looked at this person's record: when, as which user, role and organisation, why
    (care relationship or break-glass reason), the outcome and the categories returned;
    newest first. Exit 2 when the audit cannot be read."""
    window = _window(since, until)
    with _ig_connection() as conn:
        events = authz_reports.access_report(conn, person, since=window[0], until=window[1])
    if as_json:
        typer.echo(json.dumps({"person_id": person, "events": [e.as_json() for e in events]}))
        return
    typer.echo(f"access report for person {person}: {len(events)} request(s)")
    for e in events:
        flag = "  FLAGGED" if e.flagged else ""
        typer.echo(f"{e.at.isoformat()}  user {e.user_id}  role {e.role_code or '-'}  "
                   f"org {e.org_code or '-'}  why {e.why or '-'}  {e.outcome} ({e.status})  "
                   f"{','.join(e.categories) or '-'}{flag}")  # fmt: skip


@audit_app.command("break-glass")
def break_glass_command(
    since: str | None = typer.Option(None, "--since", help="From this date or ISO time (UTC)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object."),
) -> None:
    """Every break-glass opening, newest first, for review: user, role, organisation, person,
    reason code and free text, and how many requests used it. Exit 2 when the audit cannot be
    read."""
    start = _window(since, None)[0]
    with _ig_connection() as conn:
        reviews = authz_reports.break_glass_report(conn, since=start)
    if as_json:
        typer.echo(json.dumps({"openings": [r.as_json() for r in reviews]}))
        return
    typer.echo(f"break-glass openings: {len(reviews)}")
    for r in reviews:
        g = r.opening
        typer.echo(f"{g.at.isoformat()}  user {g.user_id}  role {g.role_code}  org {g.org_code}"
                   f"  person {g.person_id}  {g.reason_code.value}  used {r.uses}x  "
                   f"until {g.expires_at.isoformat()}\n    reason: {g.reason_text}")  # fmt: skip


def _instant(raw: str, option: str, *, end: bool) -> datetime:
    """A ``--from``/``--to`` value: a date (midnight UTC; the day after it for an ``end``) or
    an ISO time (UTC when it has no offset). Exit 2 naming the option otherwise."""
    try:
        return authz_reports.report_instant(raw, end=end)
    except ValueError:
        typer.echo(f"{option}: expected a date (YYYY-MM-DD) or an ISO time", err=True)
        raise typer.Exit(2) from None


def _window(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    return (None if since is None else _instant(since, "--from", end=False),
            None if until is None else _instant(until, "--to", end=True))  # fmt: skip


@contextmanager
def _ig_connection() -> Iterator[Connection]:
    """A read-only connection on the audit schema; exit 2 when it has no audit tables."""
    settings = ApiSettings.from_env()
    try:
        conn = audit.open_read_only(settings.postgres_dsn.get_secret_value(),
                                    settings.audit_schema)  # fmt: skip
    except psycopg.Error as exc:
        typer.echo(f"audit: cannot connect ({type(exc).__name__})", err=True)
        raise typer.Exit(2) from exc
    if conn is None:
        typer.echo("audit: no audit log in MCR_API_AUDIT_SCHEMA", err=True)
        raise typer.Exit(2)
    try:
        yield conn
    except psycopg.Error as exc:
        typer.echo(f"audit: the report could not be read ({type(exc).__name__})", err=True)
        raise typer.Exit(2) from exc
    finally:
        conn.close()
