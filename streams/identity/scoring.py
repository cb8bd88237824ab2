"""Fellegi-Sunter scoring: per-field agreement levels -> match weight (sum of log2 m/u).

``m`` is P(level | same person), ``u`` is P(level | different people); a level's weight is
``log2(m / u)``. NULL levels (a side missing) weigh 0. Weights are monotone per field (a better
level never weighs less), so more agreement never lowers the score.

**Term-frequency adjustment** (as Splink's ``term_frequency_adjustments``): agreeing on a rare
family name says more than agreeing on Smith. A weights file may carry, per field, the share of
records holding each value; an EXACT level then weighs ``log2(m / tf(value))`` instead of
``log2(m / u)``, i.e. the level's weight plus ``log2(u / tf(value))``, clipped to
[-:data:`TF_MAX_DOWN`, +:data:`TF_MAX_UP`] bits. A value absent from the table takes the share
under the key ``""`` (one record in the training file), else the table's smallest share. The
upward clip is small on purpose: a rare shared surname in one household must not carry a link
that the rest of the record does not.

**Address tokens** (issue 13): the table for the address holds the share of records whose
address contains each token. An agreeing address (EXACT, FUZZY_HIGH or PARTIAL) is adjusted by
``log2(u / share)``, where ``share`` is the product of the shares of the tokens the two addresses
have in common (how often a random record holds them all, taking tokens as independent), clipped
the same way: agreeing only on common tokens (FLAT, ROAD, a town) says less than the level's
average, agreeing on a rare street name does not say more.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise

from streams.identity.comparison import FALLBACK, LEVELS, Comparison, Field, Level
from streams.identity.decision import Thresholds
from streams.identity.twins import TwinEvidence

__all__ = [
    "TF_LEVELS",
    "TF_MAX_DOWN",
    "TF_MAX_UP",
    "LevelProbabilities",
    "MatchWeights",
    "Score",
    "score",
]

TF_MAX_UP = 0.0
TF_MAX_DOWN = 6.0

#: The levels a term-frequency table adjusts, per field.
TF_LEVELS: Mapping[Field, tuple[Level, ...]] = {
    Field.GIVEN_NAME: (Level.EXACT,),
    Field.FAMILY_NAME: (Level.EXACT,),
    Field.ADDRESS: (Level.EXACT, Level.FUZZY_HIGH, Level.PARTIAL),
}


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
    term_frequencies: Mapping[Field, Mapping[str, float]] = field(default_factory=dict)
    """Per field, the share of records holding each (normalised) value; see the module."""
    twins: TwinEvidence | None = None
    """What training saw of twins registered apart (``twins``); None keeps the twin guard."""
    _cache: dict[tuple[Field, Level], float] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def expects_twins(self) -> bool:
        """Whether the twin guard applies: unless training's records ruled twins out."""
        return self.twins is None or not self.twins.rules_out_twins

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

    def tf_adjustment(self, name: Field, value: str | None, level: Level = Level.EXACT) -> float:
        """Bits to add to an agreement at ``level`` on ``value`` (0 without a table or a
        value); for the address, ``value`` is the tokens the two addresses share."""
        table = self.term_frequencies.get(name)
        if not table or not value:
            return 0.0
        agreed = self.levels.get(name, {}).get(level)
        if agreed is None:
            return 0.0
        if name is Field.ADDRESS:
            share = math.prod(_share(table, token) for token in value.split())
        else:
            share = _share(table, value)
        return min(TF_MAX_UP, max(-TF_MAX_DOWN, math.log2(agreed.u / share)))

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


def _share(table: Mapping[str, float], value: str) -> float:
    """A value's share; an unseen value takes the share of one record (``""``)."""
    return table.get(value) or table.get("") or min(table.values())


@dataclass(frozen=True)
class Score:
    """A match weight and how each field contributed to it."""

    total: float
    contributions: Mapping[Field, float]


def score(
    comparison: Comparison,
    weights: MatchWeights,
    values: Mapping[Field, str | None] | None = None,
) -> Score:
    """The Fellegi-Sunter match weight of a comparison vector; ``values`` (the agreed values of
    fields with a term-frequency table; for the address, the shared tokens) adjust the levels
    in :data:`TF_LEVELS`."""
    contributions = {name: weights.weight(name, level) for name, level in comparison.items()}
    if values and weights.term_frequencies:
        for name, value in values.items():
            level = comparison.get(name)
            if level is not None and level in TF_LEVELS.get(name, ()):
                contributions[name] += weights.tf_adjustment(name, value, level)
    return Score(total=sum(contributions.values()), contributions=contributions)
