"""``mcr report planning``: read the planning store, suppress, chart, and write the report
folder (``index.html``, one CSV and one PNG per table, the workforce estimate)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from consumers.report import charts, render
from consumers.report.suppression import publish
from consumers.report.tables import read_tables
from consumers.report.workforce import Assumptions, estimate, trend

__all__ = ["ReportResult", "iso_week_of", "make_report", "update_latest"]

TITLE = "Planning report: use of health and care services"
DEFAULT_WEEKS = 52


@dataclass(frozen=True)
class ReportResult:
    """Where the report was written and what it holds."""

    folder: Path
    weeks: int
    tables: int


def iso_week_of(text: str) -> str:
    """``2026-W05`` as is, or the ISO week of a date ``2026-02-01``; ValueError otherwise."""
    if len(text) == 8 and text[4:6] == "-W" and text[:4].isdigit() and text[6:].isdigit():
        return text
    year, week, _ = date.fromisoformat(text).isocalendar()
    return f"{year}-W{week:02d}"


def _year_before(conn: psycopg.Connection[Any], last: str) -> str:
    """The ISO week 51 weeks before the newest week with data up to ``last``."""
    row = conn.execute("SELECT max(iso_week) FROM contributions WHERE iso_week <= %s",
                       (last,)).fetchone()  # fmt: skip
    if row is None or row[0] is None:
        return last
    year, week = int(row[0][:4]), int(row[0][6:])
    start = date.fromisocalendar(year, week, 1) - timedelta(weeks=DEFAULT_WEEKS - 1)
    return iso_week_of(start.isoformat())


def make_report(*, dsn: str, schema: str, out: Path, first: str | None, last: str,
                assumptions: Assumptions) -> ReportResult:  # fmt: skip
    """Write the report for ISO weeks ``first`` (default: the last 52 weeks with data) to
    ``last`` into ``out``."""
    with psycopg.connect(dsn, options=f"-c search_path={schema}") as conn:
        first = first or _year_before(conn, last)
        tables = publish(read_tables(conn, first=first, last=last))
    out.mkdir(parents=True, exist_ok=True)
    weeks = tables[0].weeks if tables else []
    for table in tables:
        (out / f"{table.name}.csv").write_text(render.table_csv(table), encoding="utf-8")
        with_trend = table.name == "encounters_by_service"  # demand per service with trend
        charts.table_chart(table, out / f"{table.name}.png", with_trend=with_trend)
    by_kind = next(t for t in tables if t.name == "encounters_by_org_kind")
    published = {k: {w: by_kind.published[(k, w)] for w in weeks} for k in by_kind.rows}
    fte = estimate(published, weeks, assumptions)
    trends = {group: trend(values) for group, values in fte.items()}
    (out / "workforce.csv").write_text(render.workforce_csv(weeks, fte), encoding="utf-8")
    charts.line_chart("Workforce estimate (FTE)", weeks, fte, out / "workforce.png",
                      ylabel="FTE", with_trend=True)  # fmt: skip
    period = f"{weeks[0]} to {weeks[-1]}" if weeks else f"{first} to {last} (no data)"
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    content: dict[str, Any] = {"title": TITLE, "period": period, "generated": generated,
                               "tables": tables, "assumptions": assumptions, "weeks": weeks,
                               "fte": fte, "trends": trends}  # fmt: skip
    (out / "index.html").write_text(render.page(**content), encoding="utf-8")
    (out / "report.json").write_text(render.report_json(**content), encoding="utf-8")
    return ReportResult(out, len(weeks), len(tables))


def update_latest(reports: Path, folder: Path) -> Path:
    """Point ``reports/latest`` at ``folder`` (atomically: a new link renamed over the old)."""
    link, tmp = reports / "latest", reports / ".latest.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(folder.resolve(), tmp)
    tmp.replace(link)
    return link
