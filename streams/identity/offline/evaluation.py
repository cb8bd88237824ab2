"""Pairwise linkage quality: precision, recall and F1 over pairs of records.

A predicted pair is two records assigned to the same person; a true pair is two records with
the same truth id. Records held in review count as linked to nobody.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["BlockingQuality", "PairwiseQuality", "blocking_quality", "pairwise_quality"]


@dataclass(frozen=True)
class PairwiseQuality:
    """Pair counts and the scores derived from them."""

    true_positives: int
    predicted_pairs: int
    true_pairs: int

    @property
    def precision(self) -> float:
        """Share of predicted pairs that are true (1.0 when nothing was linked)."""
        return self.true_positives / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        """Share of true pairs that were predicted (1.0 when there are none)."""
        return self.true_positives / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def _pairs(counts: Mapping[Any, int]) -> int:
    return sum(n * (n - 1) // 2 for n in counts.values())


def pairwise_quality(assigned: Mapping[str, str], truth: Mapping[str, str]) -> PairwiseQuality:
    """Compare ``record id -> person id`` with ``record id -> truth id`` (same keys)."""
    predicted = Counter(assigned.values())
    actual = Counter(truth.values())
    both = Counter((assigned[r], truth[r]) for r in assigned)
    return PairwiseQuality(
        true_positives=_pairs(both), predicted_pairs=_pairs(predicted), true_pairs=_pairs(actual)
    )


@dataclass(frozen=True)
class BlockingQuality:
    """How many true pairs share a blocking key (can be scored at all) and at what cost."""

    true_pairs_blocked: int
    true_pairs: int
    candidate_pairs: int
    linkable_blocked: int = 0
    linkable_pairs: int = 0
    """True pairs the matcher could link at all (see :func:`blocking_quality`)."""

    @property
    def recall(self) -> float:
        """Share of true pairs that blocking puts side by side (1.0 when there are none)."""
        return self.true_pairs_blocked / self.true_pairs if self.true_pairs else 1.0

    @property
    def linkable_recall(self) -> float:
        """The same over the true pairs the matcher could link (1.0 when there are none)."""
        return self.linkable_blocked / self.linkable_pairs if self.linkable_pairs else 1.0


def blocking_quality(
    truth_ids: Sequence[str],
    candidate_pairs: Iterable[tuple[int, int]],
    linkable: Callable[[int, int], bool] | None = None,
) -> BlockingQuality:
    """Blocking recall of index pairs over records whose truth ids are ``truth_ids``;
    ``linkable(i, j)`` says whether the matcher could ever link a true pair (i < j), for the
    recall over such pairs (all true pairs when None)."""
    pairs = list(candidate_pairs)
    blocked = {(i, j) for i, j in pairs if truth_ids[i] == truth_ids[j]}
    members: dict[str, list[int]] = {}
    for index, truth in enumerate(truth_ids):
        members.setdefault(truth, []).append(index)
    could = [
        (i, j)
        for group in members.values()
        for n, i in enumerate(group)
        for j in group[n + 1 :]
        if linkable is None or linkable(i, j)
    ]
    return BlockingQuality(
        true_pairs_blocked=len(blocked),
        true_pairs=_pairs(Counter(truth_ids)),
        candidate_pairs=len(pairs),
        linkable_blocked=sum(1 for pair in could if pair in blocked),
        linkable_pairs=len(could),
    )
