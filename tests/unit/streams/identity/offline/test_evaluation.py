"""Pairwise precision, recall and F1."""

from __future__ import annotations

import pytest

from streams.identity.offline.evaluation import blocking_quality, pairwise_quality

TRUTH = {"a": "1", "b": "1", "c": "1", "d": "2", "e": "2"}  # 3 + 1 = 4 true pairs


@pytest.mark.parametrize(
    ("assigned", "tp", "predicted", "precision", "recall"),
    [
        ({"a": "x", "b": "x", "c": "x", "d": "y", "e": "y"}, 4, 4, 1.0, 1.0),
        ({"a": "x", "b": "x", "c": "z", "d": "y", "e": "w"}, 1, 1, 1.0, 0.25),
        ({"a": "x", "b": "x", "c": "x", "d": "x", "e": "x"}, 4, 10, 0.4, 1.0),
        ({"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}, 0, 0, 1.0, 0.0),
    ],
)
def test_pairwise_quality(
    assigned: dict[str, str], tp: int, predicted: int, precision: float, recall: float
) -> None:
    """Counts of true, predicted and correct pairs give precision and recall."""
    quality = pairwise_quality(assigned, TRUTH)
    assert (quality.true_positives, quality.predicted_pairs, quality.true_pairs) == (
        tp,
        predicted,
        4,
    )
    assert (quality.precision, quality.recall) == (pytest.approx(precision), pytest.approx(recall))


def test_f1_is_harmonic_mean() -> None:
    """F1 of precision 0.4 and recall 1.0 is 4/7."""
    quality = pairwise_quality({k: "x" for k in TRUTH}, TRUTH)
    assert quality.f1 == pytest.approx(2 * 0.4 / 1.4)


def test_blocking_quality() -> None:
    """Blocking recall: true pairs among the candidate pairs over all true pairs."""
    truth = ["1", "1", "1", "2", "2"]  # 4 true pairs
    quality = blocking_quality(truth, [(0, 1), (1, 2), (2, 3), (3, 4)])
    assert (quality.true_pairs_blocked, quality.true_pairs, quality.candidate_pairs) == (3, 4, 4)
    assert quality.recall == 0.75
    assert blocking_quality(["1", "2"], []).recall == 1.0


def test_blocking_recall_over_linkable_pairs() -> None:
    """Pairs the matcher could never link (here: any pair with record 2) are left out of the
    linkable recall, not of the overall one."""
    truth = ["1", "1", "1", "2", "2"]
    quality = blocking_quality(truth, [(0, 1), (3, 4)], lambda i, j: 2 not in (i, j))
    assert (quality.linkable_blocked, quality.linkable_pairs) == (2, 2)
    assert quality.linkable_recall == 1.0 and quality.recall == 0.5
