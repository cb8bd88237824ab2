"""Estimate m and u from unlabelled pairs (Fellegi-Sunter EM, as Splink does).

``u`` comes from random record pairs (almost all are different people): the share of each level.
``m`` and the match proportion come from expectation-maximisation over blocked candidate pairs.
For the fields the pairs were blocked on, the non-match class has its **own** level shares
inside EM (started from the random ``u``): different people who share a blocking key agree on
its fields far more often than random pairs, and holding the random ``u`` there made EM explain
those agreements as matches (match proportion 0.98-0.99 on FEBRL, issue 13). Only ``m`` is kept
from EM; the weights pair it with the random ``u``. The match proportion has a Beta prior
(``prior_share``, ``prior_pairs`` pseudo-pairs) so that it cannot run away to 0 or 1 on a small
file.

:class:`EmDiagnostic` says when the result is not a sensible model: EM did not converge, the
match proportion ended near 0 or 1, or on a filled field matches agree on its best level less
than 1.25 times as often as non-matches (no signal, or a label switch). ``mcr identity train``
refuses to write such weights. Identical comparison vectors are grouped, so EM runs over a few
hundred patterns however many pairs there are. Fields the data never fills keep the starting
values; the result is made monotone (a worse level never outweighs a better one).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mcr.core.progress_port import NullProgress, Progress
from streams.identity.comparison import LEVELS, Comparison, Field, Level
from streams.identity.scoring import LevelProbabilities, MatchWeights

__all__ = ["EmDiagnostic", "EmFit", "estimate", "estimate_u", "fit", "make_monotone"]

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


Patterns = Counter[tuple[Level, ...]]


@dataclass(frozen=True)
class EmDiagnostic:
    """How EM ended, and what makes its model not sensible (empty ``problems``: fine)."""

    converged: bool
    iterations: int
    match_proportion: float
    problems: tuple[str, ...]

    @property
    def sensible(self) -> bool:
        """True when EM converged to a model worth using."""
        return not self.problems


@dataclass(frozen=True)
class EmFit:
    """EM's weights and its diagnostic."""

    weights: MatchWeights
    diagnostic: EmDiagnostic


def _posteriors(
    patterns: Patterns, m: Table, u: Table, share: float
) -> dict[tuple[Level, ...], float]:
    posterior: dict[tuple[Level, ...], float] = {}
    for pattern in patterns:
        pm = share * _pattern_probability(pattern, m, use_m=True)
        pu = (1 - share) * _pattern_probability(pattern, u, use_m=False)
        posterior[pattern] = pm / (pm + pu) if pm + pu > 0 else 0.0
    return posterior


def _shares_by_class(
    patterns: Patterns,
    weight: dict[tuple[Level, ...], float],
    old: Table,
    *,
    for_m: bool,
    fields: frozenset[Field] = frozenset(LEVELS),
) -> Table:
    """Level shares of one class (pairs weighted by their membership) for ``fields``, or
    ``old`` where a field has almost no weight in that class."""
    new_table: Table = {name: dict(levels) for name, levels in old.items()}
    for index, name in enumerate(LEVELS):
        if name not in fields:
            continue
        counts: dict[Level, float] = defaultdict(float)
        for pattern, n in patterns.items():
            counts[pattern[index]] += n * weight[pattern]
        total = sum(counts[level] for level in LEVELS[name])
        if total < 1.0:
            continue
        for level in LEVELS[name]:
            share = (counts[level] + 0.01) / (total + 0.01 * len(LEVELS[name]))
            before = old[name][level]
            new_table[name][level] = (
                LevelProbabilities(share, before.u)
                if for_m
                else LevelProbabilities(before.m, share)
            )
    return new_table


def _em_step(
    patterns: Patterns,
    *,
    m: Table,
    u: Table,
    share: float,
    prior: tuple[float, float],
    free_u: frozenset[Field],
) -> tuple[Table, Table, float]:
    posterior = _posteriors(patterns, m, u, share)
    matched = sum(n * posterior[p] for p, n in patterns.items())
    alpha, beta = prior
    new_share = (matched + alpha) / (sum(patterns.values()) + alpha + beta)
    new_share = min(max(new_share, 1e-6), 1 - 1e-6)
    unmatched = {p: 1 - w for p, w in posterior.items()}
    return (
        _shares_by_class(patterns, posterior, m, for_m=True),
        _shares_by_class(patterns, unmatched, u, for_m=False, fields=free_u),
        new_share,
    )


def _problems(patterns: Patterns, table: Table, share: float, converged: bool) -> list[str]:
    problems = [] if converged else ["EM did not converge"]
    if not 0.001 < share < 0.95:
        problems.append(f"match proportion {share:.3f} is near 0 or 1")
    for index, name in enumerate(LEVELS):
        filled = any(pattern[index] is not Level.NULL for pattern in patterns)
        best = table[name].get(LEVELS[name][0])
        if filled and best is not None and name is not Field.NHS_NUMBER and best.m < 1.25 * best.u:
            problems.append(
                f"{name}: matches agree (m {best.m:.3f}) hardly more often than non-matches "
                f"(u {best.u:.3f}): no signal"
            )
    return problems


def fit(
    blocked_pairs: Sequence[Comparison],
    random_pairs: Sequence[Comparison],
    *,
    start: MatchWeights,
    version: str,
    source: str,
    free_u: frozenset[Field] = frozenset(),
    prior_share: float = 0.5,
    prior_pairs: float = 100.0,
    iterations: int = 500,
    tolerance: float = 1e-6,
    progress: Progress | None = None,
    phase: str = "EM",
) -> EmFit:
    """u from ``random_pairs``; m and match proportion by EM on ``blocked_pairs``; and
    whether that converged to a sensible model. ``free_u``: the fields the pairs were blocked
    on, whose non-match shares EM estimates on the pairs (different people sharing a key agree
    on its fields far more often than random pairs); their m is not to be trusted."""
    table = estimate_u(random_pairs, start)
    patterns = Counter(tuple(pair[name] for name in LEVELS) for pair in blocked_pairs)
    prior = (prior_share * prior_pairs, (1 - prior_share) * prior_pairs)
    m, u, share = table, table, prior_share
    converged, done = False, 0
    report = progress or NullProgress()
    report.phase(phase, iterations)  # at most; ends sooner when it converges
    for done in range(1, iterations + 1):  # noqa: B007 (the count is reported)
        report.advance(1)
        new_m, u, new_share = _em_step(patterns, m=m, u=u, share=share, prior=prior, free_u=free_u)
        change = max(abs(new_share - share), _largest_change(m, new_m))
        m, share = new_m, new_share
        if change < tolerance:
            converged = True
            break
    kept = {
        name: {level: LevelProbabilities(m[name][level].m, p.u) for level, p in levels.items()}
        for name, levels in table.items()
    }
    weights = MatchWeights(
        version=version,
        levels=make_monotone(kept),
        thresholds=start.thresholds,
        match_proportion=share,
        source=source,
    )
    diagnostic = EmDiagnostic(
        converged, done, share, tuple(_problems(patterns, kept, share, converged))
    )
    return EmFit(weights, diagnostic)


def _largest_change(old: Table, new: Table) -> float:
    return max(
        (
            abs(new[name][level].m - p.m)
            for name, levels in old.items()
            for level, p in levels.items()
        ),
        default=0.0,
    )


def estimate(
    blocked_pairs: Sequence[Comparison],
    random_pairs: Sequence[Comparison],
    *,
    start: MatchWeights,
    version: str,
    source: str,
) -> MatchWeights:
    """:func:`fit`'s weights (see its diagnostic for whether to trust them)."""
    return fit(blocked_pairs, random_pairs, start=start, version=version, source=source).weights


def make_monotone(table: Mapping[Field, Mapping[Level, LevelProbabilities]]) -> Table:
    """Pool adjacent violators: where a better level weighs less than a worse one, both take
    the weight of their pooled m and u (``log2((m1 + m2) / (u1 + u2))``), keeping their own u.
    A level EM saw rarely among matches (a transposed birth date in a file without any) no
    longer drags ``else`` down to its -10 bits (issue 13), nor does a rare strong level
    (swapped names) lift exact agreement."""
    result: Table = {}
    for name, levels in table.items():
        blocks: list[tuple[list[Level], float, float]] = []
        for level in LEVELS[name]:
            if level in levels:
                blocks.append(([level], levels[level].m, levels[level].u))
                while len(blocks) > 1 and _weight(blocks[-2]) < _weight(blocks[-1]):
                    worse, better = blocks.pop(), blocks.pop()
                    blocks.append(
                        (better[0] + worse[0], better[1] + worse[1], better[2] + worse[2])
                    )
        result[name] = {
            level: _pooled(levels[level], block) for block in blocks for level in block[0]
        }
    return result


def _weight(block: tuple[list[Level], float, float]) -> float:
    return math.log2(block[1] / block[2])


def _pooled(p: LevelProbabilities, block: tuple[list[Level], float, float]) -> LevelProbabilities:
    if len(block[0]) == 1:
        return p
    return LevelProbabilities(min(1.0, p.u * block[1] / block[2]), p.u)
