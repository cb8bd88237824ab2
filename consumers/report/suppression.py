"""Small-number suppression of every published count. Pure.

Rules (published on the report page):

- **Primary**: a count from 1 to 7 is shown as ``*``; every other count is rounded to the
  nearest 5 (0 stays 0: a true zero discloses nobody).
- **Secondary**: in every group of cells that add up to a published total (one week's column
  of a table with its total), a lone suppressed cell could be recovered by subtraction, so
  the smallest other non-zero cell of the group is suppressed too (the total itself when no
  such cell is left). Repeated until no group has exactly one suppressed member.
- **Across tables**: one quantity can appear in several tables (each table's weekly total is
  the same encounters; the social care total is the social care cell of the table by
  organisation kind). Cells are linked when they count the same thing (the same measure and
  week, one's filters contained in the other's, and the same count), and linked cells share
  one status: suppressed in one table means suppressed in all, so no other table gives it away.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["SUPPRESSED", "TOTAL", "Cell", "Table", "publish", "rounded", "suppress"]

SUPPRESSED = "*"
TOTAL = "Total"
SMALLEST_SHOWN = 8
ROUND_TO = 5


@dataclass(frozen=True)
class Cell:
    """One published count: which table, row and week, and what it counts."""

    table: str
    row: str
    week: str
    measure: str
    filters: frozenset[tuple[str, str]]


@dataclass
class Table:
    """A table of counts by ``row`` and week, with a total row: ``counts[(row, week)]``.
    ``filters`` are what every count of the table is restricted to; ``dimension`` names what
    the rows are (so a row's cell counts ``filters + {dimension: row}``)."""

    name: str
    title: str
    measure: str
    dimension: str
    rows: list[str]
    weeks: list[str]
    counts: dict[tuple[str, str], int]
    filters: frozenset[tuple[str, str]] = frozenset()
    published: dict[tuple[str, str], str] = field(default_factory=dict)

    def count(self, row: str, week: str) -> int:
        if row == TOTAL:
            return sum(self.counts.get((r, week), 0) for r in self.rows)
        return self.counts.get((row, week), 0)

    def cell(self, row: str, week: str) -> Cell:
        extra = frozenset() if row == TOTAL else frozenset({(self.dimension, row)})
        return Cell(self.name, row, week, self.measure, self.filters | extra)


def rounded(count: int) -> str:
    """The primary rule for a count that is not suppressed."""
    return str(int(ROUND_TO * round(count / ROUND_TO)))


def _cells(tables: Iterable[Table]) -> dict[Cell, int]:
    return {t.cell(r, w): t.count(r, w) for t in tables for w in t.weeks for r in [*t.rows, TOTAL]}


def _links(counts: Mapping[Cell, int]) -> dict[Cell, set[Cell]]:
    """Cells that count the same thing (see the module docstring), each with its class."""
    by_week: dict[tuple[str, str], list[Cell]] = {}
    for cell in counts:
        by_week.setdefault((cell.measure, cell.week), []).append(cell)
    linked: dict[Cell, set[Cell]] = {cell: {cell} for cell in counts}
    for group in by_week.values():
        for a in group:
            for b in group:
                if a is not b and counts[a] == counts[b] and a.filters <= b.filters:
                    merged = linked[a] | linked[b]
                    for member in merged:
                        linked[member] = merged
    return linked


def _groups(tables: Iterable[Table]) -> list[list[Cell]]:
    """Each week of each table: its cells and its total (they add up)."""
    return [[t.cell(r, w) for r in [*t.rows, TOTAL]] for t in tables for w in t.weeks]


def suppress(tables: list[Table]) -> set[Cell]:
    """Every cell to show as ``*`` (primary, secondary and linked; see the module docstring)."""
    counts = _cells(tables)
    linked = _links(counts)
    hidden = {c for c, n in counts.items() if 0 < n < SMALLEST_SHOWN}
    changed = True
    while changed:
        changed = False
        for cell in list(hidden):
            if not linked[cell] <= hidden:
                hidden |= linked[cell]
                changed = True
        for group in _groups(tables):
            if sum(c in hidden for c in group) != 1:
                continue
            partner = _partner(group, hidden, counts)
            changed = changed or partner not in hidden
            hidden.add(partner)
    return hidden


def _partner(group: list[Cell], hidden: set[Cell], counts: Mapping[Cell, int]) -> Cell:
    """The smallest non-zero shown cell of the group, else its total."""
    shown = [c for c in group[:-1] if c not in hidden and counts[c] > 0]
    if shown:
        return min(shown, key=lambda c: (counts[c], c.row))
    return group[-1]


def publish(tables: list[Table]) -> list[Table]:
    """Fill each table's ``published`` (row or TOTAL, week) -> text, suppressed and rounded."""
    hidden = suppress(tables)
    for table in tables:
        table.published = {
            (r, w): SUPPRESSED if table.cell(r, w) in hidden else rounded(table.count(r, w))
            for w in table.weeks
            for r in [*table.rows, TOTAL]
        }
    return tables
