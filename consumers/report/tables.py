"""The report's tables: which aggregate each comes from, and rows -> :class:`Table`. Pure
apart from the one query function, which reads the planning store's aggregate views only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from consumers.report.suppression import Table
from mcr.core.postgres import Connection

__all__ = ["SPECS", "TableSpec", "build_table", "read_tables"]


@dataclass(frozen=True)
class TableSpec:
    """One published table: from which view, which dimension, which count, which filter."""

    name: str
    title: str
    view: str
    dimension: str
    count: str
    measure: str
    where: tuple[str, str] | None = None


SPECS: tuple[TableSpec, ...] = (
    TableSpec("encounters_by_service", "Encounters by service", "weekly_encounters", "service",
              "encounters", "encounters"),
    TableSpec("encounters_by_org_kind", "Encounters by organisation kind", "weekly_encounters",
              "org_kind", "encounters", "encounters"),
    TableSpec("encounters_by_age_band", "Encounters by age band", "weekly_encounters",
              "age_band", "encounters", "encounters"),
    TableSpec("medicines_by_class", "Active medicines by class (items started)",
              "weekly_medicines", "medicine_class", "items", "medicine items"),
    TableSpec("results_by_test", "Results by test", "weekly_results", "test", "results",
              "results"),
    TableSpec("people_by_age_band", "People in contact with services by age band",
              "weekly_people", "age_band", "people", "people"),
    TableSpec("people_by_district", "People in contact with services by postcode district",
              "weekly_people", "district", "people", "people"),
    TableSpec("social_care_by_service", "Social care contacts by service", "weekly_social_care",
              "service", "contacts", "encounters", ("org_kind", "social_care")),
)  # fmt: skip


def build_table(spec: TableSpec, rows: Iterable[tuple[str, str, int]]) -> Table:
    """A table from (week, row, count) rows, rows and weeks sorted."""
    counts: dict[tuple[str, str], int] = {}
    for week, row, count in rows:
        counts[(row, week)] = counts.get((row, week), 0) + int(count)
    names = sorted({r for r, _ in counts})
    weeks = sorted({w for _, w in counts})
    filters = frozenset({spec.where}) if spec.where else frozenset()
    return Table(spec.name, spec.title, spec.measure, spec.dimension, names, weeks, counts,
                 filters)  # fmt: skip


def read_tables(conn: Connection, *, first: str, last: str) -> list[Table]:
    """Every table of :data:`SPECS` for ISO weeks ``first`` to ``last`` (inclusive)."""
    tables = []
    for spec in SPECS:
        rows = conn.execute(
            f"SELECT iso_week, {spec.dimension}, sum({spec.count})::integer "  # noqa: S608
            f"FROM {spec.view} WHERE iso_week BETWEEN %s AND %s GROUP BY 1, 2",
            (first, last),
        ).fetchall()  # names are constants of SPECS, never input
        table = build_table(spec, [(w, str(r or "unknown"), n) for w, r, n in rows])
        tables.append(table)
    weeks = sorted({w for t in tables for w in t.weeks})
    for table in tables:  # every table over the same weeks (zeros where nothing happened)
        table.weeks = weeks
    return tables
