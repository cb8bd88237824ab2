"""The streams worker's lag per stage: end minus committed on the worker's own partitions."""

from __future__ import annotations

import pytest

from schemas.events import source_topic_pattern
from streams.lag import lag_by_stage, stage_classifier

STAGE_OF = stage_classifier(
    source_pattern=source_topic_pattern("t1."),
    consent_topics=("t1.mcr.linked", "t1.mcr.identity.changes"),
)


@pytest.mark.parametrize(
    ("topic", "stage"),
    [
        ("t1.mcr.source.RC9", "identity"),
        ("t1.mcr.source._asserted", "identity"),
        ("t1.mcr.linked", "consent"),
        ("t1.mcr.identity.changes", "consent"),
        ("mcr.source.RC9", None),  # another topic space
        ("mcr-streams-__assignor-__leader", None),
        ("t1.mcr.shared", None),  # the record worker's, not ours
    ],
)
def test_each_topic_belongs_to_the_stage_that_reads_it(topic: str, stage: str | None) -> None:
    """Identity reads the source topics, consent the linked and identity-change topics."""
    assert STAGE_OF(topic) == stage


def test_lag_is_end_minus_committed_per_stage() -> None:
    """Committed partitions count from the commit, never-committed ones (None, -1001) from the
    earliest offset; other topics are ignored and both stages are always reported."""
    assigned = [("t1.mcr.source.RC9", 0), ("t1.mcr.source.RC9", 1),
                ("t1.mcr.linked", 0), ("t1.mcr.shared", 0)]  # fmt: skip
    lag = lag_by_stage(
        assigned,
        committed={("t1.mcr.source.RC9", 0): 7, ("t1.mcr.linked", 0): -1001},
        earliest={("t1.mcr.source.RC9", 1): 2, ("t1.mcr.linked", 0): 5},
        ends={("t1.mcr.source.RC9", 0): 10, ("t1.mcr.source.RC9", 1): 6,
              ("t1.mcr.linked", 0): 5, ("t1.mcr.shared", 0): 100},
        stage_of=STAGE_OF,
    )  # fmt: skip
    assert lag == {"identity": 3 + 4, "consent": 0}


def test_no_partitions_means_zero_for_every_stage() -> None:
    """A worker holding no partition (more workers than partitions) reports 0, not nothing."""
    assert lag_by_stage([], committed={}, earliest={}, ends={}, stage_of=STAGE_OF) == {
        "identity": 0,
        "consent": 0,
    }


def test_a_commit_beyond_the_end_is_not_negative_lag() -> None:
    """Ends read a moment before the commit can be smaller: never below zero."""
    lag = lag_by_stage([("t1.mcr.linked", 0)], committed={("t1.mcr.linked", 0): 9},
                       earliest={}, ends={("t1.mcr.linked", 0): 8}, stage_of=STAGE_OF)  # fmt: skip
    assert lag["consent"] == 0
