"""Demand per week with its trend, and the staff it needs under stated assumptions. Pure.

Inputs are the report's *published* counts (after suppression), so the estimate discloses
nothing the tables do not: a ``*`` counts as 4 (the middle of 1-7). Demand of a staff group in
a week = sum over organisation kinds of encounters x the group's share of that kind; FTE =
demand / contacts one FTE handles in a week (``workforce.toml``, every value with its source).
The trend is the least-squares slope over the weeks of the period.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from consumers.report.suppression import SUPPRESSED

__all__ = ["STAR_AS", "Assumptions", "StaffGroup", "estimate", "load_assumptions", "trend", "value"]

STAR_AS = 4


@dataclass(frozen=True)
class StaffGroup:
    """One staff group: its name, label, contacts per FTE per week, and the source to use."""

    group: str
    label: str
    contacts_per_fte_week: float
    source: str


@dataclass(frozen=True)
class Assumptions:
    """Every staff group, and each organisation kind's shares of encounters by group."""

    staff: tuple[StaffGroup, ...]
    shares: Mapping[str, Mapping[str, float]]


def load_assumptions(text: str | None = None) -> Assumptions:
    """The assumptions in ``text`` (TOML), default the shipped ``workforce.toml``."""
    if text is None:
        text = resources.files("consumers.report").joinpath("workforce.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    staff = tuple(StaffGroup(s["group"], s["label"], float(s["contacts_per_fte_week"]),
                             s["source"]) for s in raw["staff"])  # fmt: skip
    return Assumptions(staff, raw.get("shares", {}))


def value(published: str) -> float:
    """A published count as a number (``*`` as :data:`STAR_AS`)."""
    return float(STAR_AS) if published == SUPPRESSED else float(published)


def trend(series: Sequence[float]) -> float:
    """Least-squares change per week (0 for fewer than two weeks)."""
    if len(series) < 2:
        return 0.0
    slope, _ = np.polyfit(np.arange(len(series), dtype=float), np.asarray(series, float), 1)
    return float(slope)


def _share(assumptions: Assumptions, kind: str, group: str) -> float:
    return float(assumptions.shares.get(kind, {}).get(group, 0.0))


def estimate(
    by_kind: Mapping[str, Mapping[str, str]], weeks: Sequence[str], assumptions: Assumptions
) -> dict[str, list[float]]:
    """FTE per staff group per week, from published encounters by organisation kind
    (``by_kind[kind][week]``)."""
    needed: dict[str, list[float]] = {s.group: [] for s in assumptions.staff}
    for week in weeks:
        for staff in assumptions.staff:
            demand = sum(
                value(counts.get(week, "0")) * _share(assumptions, kind, staff.group)
                for kind, counts in by_kind.items()
            )
            needed[staff.group].append(demand / staff.contacts_per_fte_week)
    return needed
