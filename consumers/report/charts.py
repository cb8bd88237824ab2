"""Charts of the published (suppressed, rounded) counts, as PNG files (matplotlib, Agg)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: files only

import matplotlib.pyplot as plt
import numpy as np

from consumers.report.suppression import SUPPRESSED, Table

__all__ = ["line_chart", "table_chart"]

MAX_LINES = 8


def _series(table: Table, row: str) -> list[float]:
    """Published values; a ``*`` is a gap in the line, never a guessed value."""
    return [np.nan if table.published[(row, w)] == SUPPRESSED else float(table.published[(row, w)])
            for w in table.weeks]  # fmt: skip


def table_chart(table: Table, path: Path, *, with_trend: bool = False) -> Path:
    """One line per row (the largest :data:`MAX_LINES`), weeks along the bottom."""
    totals = {r: sum(table.count(r, w) for w in table.weeks) for r in table.rows}
    rows = sorted(table.rows, key=lambda r: -totals[r])[:MAX_LINES]
    lines = {r: _series(table, r) for r in rows}
    return line_chart(table.title, table.weeks, lines, path, ylabel=table.measure,
                      with_trend=with_trend)  # fmt: skip


def line_chart(title: str, weeks: Sequence[str], lines: Mapping[str, Sequence[float]],
               path: Path, *, ylabel: str, with_trend: bool = False) -> Path:  # fmt: skip
    """Save a line chart of ``lines`` over ``weeks`` at ``path``."""
    figure, axes = plt.subplots(figsize=(9, 4.5), dpi=100)
    x = np.arange(len(weeks), dtype=float)
    for label, values in lines.items():
        y = np.asarray(values, dtype=float)
        (drawn,) = axes.plot(x, y, marker="o", markersize=3, label=label)
        known = ~np.isnan(y)
        if with_trend and known.sum() >= 2:
            slope, intercept = np.polyfit(x[known], y[known], 1)
            axes.plot(x, slope * x + intercept, linestyle="--", color=drawn.get_color())
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    step = max(1, len(weeks) // 12)
    axes.set_xticks(x[::step], [weeks[i] for i in range(0, len(weeks), step)], rotation=45,
                    ha="right", fontsize=8)  # fmt: skip
    if lines:
        axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure.tight_layout()
    figure.savefig(path, format="png")
    plt.close(figure)
    return path
