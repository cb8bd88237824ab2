"""``mcr report planning [--from --to] [--out DIR]``: the planners' report."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from consumers.report.settings import ReportSettings

__all__ = ["report_app"]

report_app = typer.Typer(help="Reports.", no_args_is_help=True)


def _week(text: str | None, default: str | None, option: str) -> str | None:
    from consumers.report.build import iso_week_of  # noqa: PLC0415 (matplotlib stays lazy)

    if not text:
        return default
    try:
        return iso_week_of(text)
    except ValueError as exc:
        raise typer.BadParameter(
            "expected an ISO week (2026-W05) or a date", param_hint=option
        ) from exc


@report_app.command("planning")
def planning_command(
    first: Annotated[
        str | None, typer.Option("--from", help="First ISO week or date (default: 52 weeks).")
    ] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last ISO week or date.")] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder to write (default: a new "
            "folder under MCR_PLANNING_REPORT_DIR, then "
            "'latest' points at it).",
        ),
    ] = None,
) -> None:
    """Weekly tables (suppressed), charts, CSV and a workforce estimate, as an HTML page."""
    # matplotlib and numpy load only when a report is made, not with every `mcr` command.
    from consumers.report.build import make_report, update_latest  # noqa: PLC0415
    from consumers.report.workforce import load_assumptions  # noqa: PLC0415

    settings = ReportSettings.from_env()
    text = Path(settings.workforce_file).read_text("utf-8") if settings.workforce_file else None
    folder = out or settings.report_dir / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    result = make_report(
        dsn=settings.postgres_dsn.get_secret_value(), schema=settings.schema_name, out=folder,
        first=_week(first, None, "--from"), last=_week(last, "9999-W99", "--to") or "9999-W99",
        assumptions=load_assumptions(text),
    )  # fmt: skip
    if out is None:
        update_latest(settings.report_dir, folder)
    typer.echo(f"report: {result.folder / 'index.html'} ({result.weeks} weeks, "
               f"{result.tables} tables)")  # fmt: skip
