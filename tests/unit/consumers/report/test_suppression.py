"""Small-number suppression on hand-built tables whose attacks are known: an attacker who
knows every shown count exactly (rounding ignored: the worst case) and every total must not
recover any suppressed count, from its own table or from another table of the report."""

from __future__ import annotations

import pytest

from consumers.report.suppression import SUPPRESSED, TOTAL, Cell, Table, publish, rounded, suppress

W = "2026-W01"


def table(name: str, dimension: str, counts: dict[str, int], measure: str = "encounters",
          filters: frozenset[tuple[str, str]] = frozenset()) -> Table:  # fmt: skip
    return Table(name, name, measure, dimension, list(counts), [W],
                 {(row, W): n for row, n in counts.items()}, filters)  # fmt: skip


def recovered(tables: list[Table]) -> set[Cell]:
    """What the attacker learns: subtraction within each week's column and its total, and
    equal quantities across tables, repeated until nothing new is learnt."""
    hidden = suppress(tables)
    known: dict[Cell, int] = {}
    values: dict[Cell, int] = {}
    for t in tables:
        for r in [*t.rows, TOTAL]:
            values[t.cell(r, W)] = t.count(r, W)
            if t.cell(r, W) not in hidden:
                known[t.cell(r, W)] = t.count(r, W)
    learnt = True
    while learnt:
        learnt = False
        for cell in values:  # the same quantity elsewhere
            for other in values:
                same = cell.measure == other.measure and cell.filters == other.filters
                if same and other in known and cell not in known:
                    known[cell] = known[other]
                    learnt = True
        for t in tables:
            group = [t.cell(r, W) for r in [*t.rows, TOTAL]]
            unknown = [c for c in group if c not in known]
            if len(unknown) == 1:
                cell = unknown[0]
                rest = sum(known[c] for c in group[:-1] if c != cell)
                known[cell] = known[group[-1]] - rest if cell != group[-1] else rest
                learnt = True
    return {c for c in hidden if c in known}


@pytest.mark.parametrize(("count", "shown"), [(0, "0"), (8, "10"), (12, "10"), (13, "15"),
                                              (22, "20"), (23, "25"), (100, "100")])  # fmt: skip
def test_rounding_to_the_nearest_five(count: int, shown: str) -> None:
    """Counts that are shown are rounded to the nearest 5; zero stays zero."""
    assert rounded(count) == shown


def test_primary_suppression_of_one_to_seven() -> None:
    """1 to 7 are stars; 0 and 8+ are shown (rounded)."""
    [t] = publish([table("t", "service", {"a": 1, "b": 7, "c": 0, "d": 8, "e": 100})])
    assert [t.published[(r, W)] for r in "abcde"] == ["*", "*", "0", "10", "100"]


def test_a_lone_star_gets_a_partner() -> None:
    """3 + 20 + 30 = 53: with only the 3 hidden, 53 - 20 - 30 gives it back; the 20 goes too."""
    tables = publish([table("t", "service", {"a": 3, "b": 20, "c": 30})])
    assert [tables[0].published[(r, W)] for r in ["a", "b", "c", TOTAL]] == ["*", "*", "30", "55"]
    assert recovered(tables) == set()


def test_only_zeros_beside_a_star_hide_the_total() -> None:
    """5 + 0 + 0: the total would give the 5 away, so it is hidden too."""
    [t] = publish([table("t", "service", {"a": 5, "b": 0, "c": 0})])
    assert t.published[(TOTAL, W)] == SUPPRESSED
    assert recovered([t]) == set()


def test_another_table_cannot_give_a_star_away() -> None:
    """Encounters by organisation kind: acute 3, social care 25 (total 28). The social care
    table (by service: 5 and 20) has the social care 25 as its total. Hiding the 3 hides the 25
    in the first table; without the link the second table's total would show 25, and 28 - 25
    would give the 3 away."""
    kinds = table("kinds", "org_kind", {"acute": 3, "social_care": 25})
    care = table("care", "service", {"x": 5, "y": 20},
                 filters=frozenset({("org_kind", "social_care")}))  # fmt: skip
    published = publish([kinds, care])
    assert published[1].published[(TOTAL, W)] == SUPPRESSED
    assert recovered(published) == set()


def test_tables_sharing_a_total() -> None:
    """Two tables of the same encounters (by service, by age band) share each week's total:
    suppressing it in one suppresses it in the other."""
    by_service = table("service", "service", {"a": 4, "b": 0})
    by_age = table("age", "age_band", {"18-29": 2, "30-44": 2})
    published = publish([by_service, by_age])
    assert published[0].published[(TOTAL, W)] == published[1].published[(TOTAL, W)] == SUPPRESSED
    assert recovered(published) == set()


def test_no_suppression_needed() -> None:
    """Large counts are shown rounded and nothing is hidden."""
    assert suppress([table("t", "service", {"a": 40, "b": 60})]) == set()
