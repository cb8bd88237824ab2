"""Estimate m and u from unlabelled pairs (Fellegi-Sunter EM, as Splink does).

``u`` comes from random record pairs (almost all are different people): the share of each
level. ``m`` and the match proportion come from expectation-maximisation over blocked candidate
pairs with ``u`` held fixed. Identical comparison vectors are grouped, so EM runs over a few
hundred patterns however many pairs there are. Fields the data never fills keep the starting
values; the result is made monotone (a worse level never outweighs a better one).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from streams.identity.comparison import LEVELS, Comparison, Field, Level
from streams.identity.scoring import LevelProbabilities, MatchWeights

__all__ = ["estimate", "estimate_u", "make_monotone"]

Table = dict[Field, dict[Level, LevelProbabilities]]
_SMOOTHING = 0.5


def _shares(counts: Counter[Level], levels: tuple[Level, ...]) -> dict[Level, float] | None:
    total = sum(counts[level] for level in levels)
    if total == 0:
        return None
    return {
        level: (counts[level] + _SMOOTHING) / (total + _SMOOTHING * len(levels)) for level in levels
    }


def estimate_u(random_pairs: Sequence[Comparison], start: MatchWeights) -> Table:
    """u from random pairs; m copied from ``start``. Fields never observed keep ``start``."""
    table: Table = {name: dict(start.levels.get(name, {})) for name in LEVELS}
    for name, levels in LEVELS.items():
        shares = _shares(Counter(pair[name] for pair in random_pairs), levels)
        if shares is None or name is Field.NHS_NUMBER:
            continue  # NHS agreement between different people is too rare to estimate here
        for level, u in shares.items():
            m = table[name][level].m if level in table[name] else 0.01
            table[name][level] = LevelProbabilities(m, u)
    return table


def _pattern_probability(pattern: tuple[Level, ...], table: Table, *, use_m: bool) -> float:
    product = 1.0
    for name, level in zip(LEVELS, pattern, strict=True):
        if level is not Level.NULL and level in table[name]:
            p = table[name][level]
            product *= p.m if use_m else p.u
    return product


def _em_step(
    patterns: Counter[tuple[Level, ...]], table: Table, share: float
) -> tuple[Table, float]:
    posterior: dict[tuple[Level, ...], float] = {}
    for pattern in patterns:
        pm = share * _pattern_probability(pattern, table, use_m=True)
        pu = (1 - share) * _pattern_probability(pattern, table, use_m=False)
        posterior[pattern] = pm / (pm + pu) if pm + pu > 0 else 0.0
    matched = sum(n * posterior[p] for p, n in patterns.items())
    new_share = min(max(matched / sum(patterns.values()), 1e-6), 1 - 1e-6)
    new_table: Table = {name: dict(levels) for name, levels in table.items()}
    for index, name in enumerate(LEVELS):
        counts: dict[Level, float] = defaultdict(float)
        for pattern, n in patterns.items():
            counts[pattern[index]] += n * posterior[pattern]
        if sum(counts[level] for level in LEVELS[name]) < 1.0:
            continue
        total = sum(counts[level] for level in LEVELS[name])
        for level in LEVELS[name]:
            m = (counts[level] + 0.01) / (total + 0.01 * len(LEVELS[name]))
            new_table[name][level] = LevelProbabilities(m, table[name][level].u)
    return new_table, new_share


def estimate(
    blocked_pairs: Sequence[Comparison],
    random_pairs: Sequence[Comparison],
    *,
    start: MatchWeights,
    version: str,
    source: str,
    iterations: int = 200,
    tolerance: float = 1e-7,
) -> MatchWeights:
    """New weights: u from ``random_pairs``, m and match proportion by EM on ``blocked_pairs``."""
    table = estimate_u(random_pairs, start)
    patterns = Counter(tuple(pair[name] for name in LEVELS) for pair in blocked_pairs)
    share = 0.3
    for _ in range(iterations):
        new_table, new_share = _em_step(patterns, table, share)
        change = abs(new_share - share)
        table, share = new_table, new_share
        if change < tolerance:
            break
    return MatchWeights(
        version=version,
        levels=make_monotone(table),
        thresholds=start.thresholds,
        match_proportion=share,
        source=source,
    )


def make_monotone(table: Mapping[Field, Mapping[Level, LevelProbabilities]]) -> Table:
    """Lower any level's m until its weight is no more than the better level's."""
    result: Table = {}
    for name, levels in table.items():
        fixed: dict[Level, LevelProbabilities] = {}
        ceiling = math.inf
        for level in LEVELS[name]:
            if level not in levels:
                continue
            p = levels[level]
            if p.weight > ceiling:
                p = LevelProbabilities(p.u * 2**ceiling, p.u)
            fixed[level] = p
            ceiling = p.weight
        result[name] = fixed
    return result
