"""Fellegi-Sunter scoring: per-field agreement levels -> match weight (sum of log2 m/u).

``m`` is P(level | same person), ``u`` is P(level | different people); a level's weight is
``log2(m / u)``. NULL levels (a side missing) weigh 0. Weights are monotone per field (a better
level never weighs less), so more agreement never lowers the score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise

from streams.identity.comparison import FALLBACK, LEVELS, Comparison, Field, Level
from streams.identity.decision import Thresholds

__all__ = ["LevelProbabilities", "MatchWeights", "Score", "score"]


@dataclass(frozen=True)
class LevelProbabilities:
    """m and u of one level of one field."""

    m: float
    u: float

    @property
    def weight(self) -> float:
        """log2(m / u): positive for evidence of a match, negative against."""
        return math.log2(self.m / self.u)


@dataclass(frozen=True)
class MatchWeights:
    """A versioned set of m/u probabilities and the thresholds calibrated with them."""

    version: str
    levels: Mapping[Field, Mapping[Level, LevelProbabilities]]
    thresholds: Thresholds
    match_proportion: float = 0.01
    source: str = ""
    _cache: dict[tuple[Field, Level], float] = field(
        default_factory=dict, compare=False, repr=False
    )

    def weight(self, name: Field, level: Level) -> float:
        """The weight of ``level`` for field ``name`` (0 for NULL or an unknown level; a level
        newer than the file takes its ``FALLBACK`` level's weight)."""
        key = (name, level)
        if key not in self._cache:
            table = self.levels.get(name, {})
            probabilities = table.get(level)
            if probabilities is None and key in FALLBACK:
                probabilities = table.get(FALLBACK[key])
            self._cache[key] = 0.0 if probabilities is None else probabilities.weight
        return self._cache[key]

    def non_monotone(self) -> list[str]:
        """``field.level`` names whose weight exceeds a better level's (empty when monotone)."""
        problems = []
        for name, order in LEVELS.items():
            known = [level for level in order if level in self.levels.get(name, {})]
            problems += [
                f"{name}.{worse}"
                for better, worse in pairwise(known)
                if self.weight(name, worse) > self.weight(name, better) + 1e-9
            ]
        return problems


@dataclass(frozen=True)
class Score:
    """A match weight and how each field contributed to it."""

    total: float
    contributions: Mapping[Field, float]


def score(comparison: Comparison, weights: MatchWeights) -> Score:
    """The Fellegi-Sunter match weight of a comparison vector."""
    contributions = {name: weights.weight(name, level) for name, level in comparison.items()}
    return Score(total=sum(contributions.values()), contributions=contributions)
