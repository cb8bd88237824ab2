"""Training data for EM: blocked candidate pairs and random pairs of a set of records.

Pure: records in, comparison vectors out. The same blocking keys as the stream choose the
candidate pairs, so EM learns from the pairs the matcher will actually score.

As Splink does, EM runs twice, each time on pairs blocked by keys that do not use the fields
it estimates: the birth date's ``m`` from pairs sharing a name or locality key (``nm``, ``fl``,
``gl``, ``il``: their birth dates may disagree freely), every other field's ``m`` from pairs
sharing the birth-date key (``dob``). One run over all blocked pairs let the birth date decide
the classes (on FEBRL 3 its ``m`` for anything but exact fell to 0.001).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from itertools import combinations

from mcr.core.progress_port import NullProgress, Progress, counted
from streams.identity.blocking import blocking_keys, search_keys
from streams.identity.comparison import Comparison, Field, compare
from streams.identity.demographics import Demographics
from streams.identity.matcher import is_twin_pattern, score_pair
from streams.identity.normalise import profile
from streams.identity.offline.em import EmDiagnostic, EmFit, fit, make_monotone
from streams.identity.scoring import MatchWeights
from streams.identity.twins import TwinEvidence

__all__ = [
    "MIN_TOKEN_RECORDS",
    "blocked_pairs",
    "random_pairs",
    "term_frequencies",
    "train",
    "twin_evidence",
]

_MAX_BLOCK = 200
MIN_TOKEN_RECORDS = 5
"""An address token enters the weights file only when at least this many records hold it."""
_BIRTH_DATE_KEYS = ("dob:",)
_OTHER_KEYS = ("nm:", "fl:", "gl:", "il:", "cfl:", "cgl:", "cil:")
_NAME_AND_PLACE = frozenset({Field.GIVEN_NAME, Field.FAMILY_NAME})


def blocked_pairs(
    records: Sequence[Demographics], *, prefixes: tuple[str, ...] = ()
) -> list[tuple[int, int]]:
    """Index pairs where one record searches a key the other is stored under (as the stream
    finds candidates, in either arrival order; only keys starting with one of ``prefixes``,
    when given); keys stored by more than 200 records are skipped."""
    stored: dict[str, list[int]] = defaultdict(list)
    searched: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        p = profile(record)
        for key in blocking_keys(p):
            if not prefixes or key.startswith(prefixes):
                stored[key].append(index)
        for key in search_keys(p):
            if not prefixes or key.startswith(prefixes):
                searched[key].append(index)
    pairs: set[tuple[int, int]] = set()
    for key, holders in stored.items():
        if len(holders) > _MAX_BLOCK:
            continue
        seekers = searched.get(key, [])
        if seekers is holders or seekers == holders:
            pairs.update(combinations(holders, 2))
        else:
            pairs.update((min(i, j), max(i, j)) for i in seekers for j in holders if i != j)
    return sorted(pairs)


def random_pairs(count: int, size: int, *, seed: int = 1) -> list[tuple[int, int]]:
    """``size`` distinct random index pairs over ``count`` records (deterministic per seed)."""
    rng = random.Random(seed)  # noqa: S311 - sampling pairs, not security
    limit = min(size, count * (count - 1) // 2)
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < limit:
        first, second = sorted(rng.sample(range(count), 2))
        pairs.add((first, second))
    return sorted(pairs)


def _vectors(
    records: Sequence[Demographics],
    pairs: list[tuple[int, int]],
    progress: Progress,
    phase: str,
) -> list[Comparison]:
    progress.phase(phase, len(pairs))
    return [compare(profile(records[i]), profile(records[j])) for i, j in counted(pairs, progress)]


def train(
    records: Sequence[Demographics],
    *,
    start: MatchWeights,
    version: str,
    source: str,
    random_size: int = 200_000,
    progress: Progress | None = None,
) -> EmFit:
    """EM-estimated weights for ``records`` and EM's diagnostic (both runs'); thresholds are
    copied from ``start``. ``progress`` sees each phase: comparing random pairs, then per
    blocking (birth date, name) comparing its pairs and EM's iterations."""
    report = progress or NullProgress()
    sampled = _vectors(records, random_pairs(len(records), random_size), report, "random pairs")

    def run(name: str, prefixes: tuple[str, ...], blocked_on: frozenset[Field]) -> EmFit:
        pairs = blocked_pairs(records, prefixes=prefixes)
        blocked = _vectors(records, pairs, report, f"pairs by {name}")
        return fit(blocked, sampled, start=start, version=version, source=source,
                   free_u=blocked_on, progress=report, phase=f"EM by {name}")  # fmt: skip

    by_date = run("birth date", _BIRTH_DATE_KEYS, frozenset({Field.BIRTH_DATE}))
    frequencies = term_frequencies(records)
    by_name = run("name", _OTHER_KEYS, _NAME_AND_PLACE)
    levels = dict(by_date.weights.levels)
    levels[Field.BIRTH_DATE] = by_name.weights.levels[Field.BIRTH_DATE]
    weights = MatchWeights(
        version=version,
        levels=make_monotone(levels),
        thresholds=start.thresholds,
        match_proportion=by_date.weights.match_proportion,
        source=source,
        term_frequencies=frequencies,
    )
    weights = replace(weights, twins=twin_evidence(records, weights))
    return EmFit(weights, _combined(by_date.diagnostic, by_name.diagnostic))


def twin_evidence(records: Sequence[Demographics], weights: MatchWeights) -> TwinEvidence:
    """How many blocked pairs of one organisation's records (different local ids) show the
    twin pattern at or above ``weights``' auto-link threshold, over how many records: what
    decides whether the twin guard applies with these weights (``twins.py``)."""
    sizes = Counter(record.org for record in records)
    found = 0
    for i, j in blocked_pairs(records):
        first, second = records[i], records[j]
        if first.org != second.org or first.local_id == second.local_id:
            continue
        p, other = profile(first), profile(second)
        if p.placeholder or other.placeholder:
            continue
        levels, scored = score_pair(p, other, weights)
        if scored.total >= weights.thresholds.auto_link and is_twin_pattern(
            p, other, levels, weights
        ):
            found += 1
    return TwinEvidence(found, sum(n for n in sizes.values() if n >= 2))


def term_frequencies(records: Sequence[Demographics]) -> dict[Field, dict[str, float]]:
    """Per name field, the share of records holding each value seen at least twice, and under
    ``""`` the share of one record (any value seen once, or never). For the address, the share
    of records with an address whose address contains each token, for tokens in at least
    :data:`MIN_TOKEN_RECORDS` records (a street name, a town: never a household's address)."""
    counts: dict[Field, Counter[str]] = {
        Field.GIVEN_NAME: Counter(),
        Field.FAMILY_NAME: Counter(),
        Field.ADDRESS: Counter(),
    }
    for record in records:
        p = profile(record)
        if p.given:
            counts[Field.GIVEN_NAME][p.given] += 1
        if p.family:
            counts[Field.FAMILY_NAME][p.family.replace(" ", "")] += 1
        if p.address:
            counts[Field.ADDRESS].update(set(p.address.split()))
    with_address = sum(1 for record in records if profile(record).address)
    tables: dict[Field, dict[str, float]] = {}
    for name, counter in counts.items():
        total = with_address if name is Field.ADDRESS else sum(counter.values())
        least = MIN_TOKEN_RECORDS if name is Field.ADDRESS else 2
        if total:
            tables[name] = {v: n / total for v, n in counter.items() if n >= least}
            tables[name][""] = 1 / total
    return tables


def _combined(by_date: EmDiagnostic, by_name: EmDiagnostic) -> EmDiagnostic:
    return EmDiagnostic(
        converged=by_date.converged and by_name.converged,
        iterations=by_date.iterations + by_name.iterations,
        match_proportion=by_date.match_proportion,
        problems=(
            *(f"birth-date-blocked pairs: {p}" for p in by_date.problems),
            *(f"name-blocked pairs: {p}" for p in by_name.problems),
        ),
    )
