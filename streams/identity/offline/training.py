"""Training data for EM: blocked candidate pairs and random pairs of a set of records.

Pure: records in, comparison vectors out. The same blocking keys as the stream choose the
candidate pairs, so EM learns from the pairs the matcher will actually score.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from itertools import combinations

from streams.identity.blocking import blocking_keys
from streams.identity.comparison import Comparison, compare
from streams.identity.demographics import Demographics
from streams.identity.normalise import profile
from streams.identity.offline.em import estimate
from streams.identity.scoring import MatchWeights

__all__ = ["blocked_pairs", "random_pairs", "train"]

_MAX_BLOCK = 200


def blocked_pairs(records: Sequence[Demographics]) -> list[tuple[int, int]]:
    """Index pairs sharing a blocking key (blocks larger than 200 records are skipped)."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        for key in blocking_keys(profile(record)):
            blocks[key].append(index)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) <= _MAX_BLOCK:
            pairs.update(combinations(members, 2))
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


def _vectors(records: Sequence[Demographics], pairs: list[tuple[int, int]]) -> list[Comparison]:
    return [compare(profile(records[i]), profile(records[j])) for i, j in pairs]


def train(
    records: Sequence[Demographics],
    *,
    start: MatchWeights,
    version: str,
    source: str,
    random_size: int = 200_000,
) -> MatchWeights:
    """EM-estimated weights for ``records``; thresholds are copied from ``start``."""
    blocked = _vectors(records, blocked_pairs(records))
    sampled = _vectors(records, random_pairs(len(records), random_size))
    return estimate(blocked, sampled, start=start, version=version, source=source)
