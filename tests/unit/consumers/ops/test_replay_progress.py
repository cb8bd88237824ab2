"""How far a replay's group has re-consumed: from each target to the end seen at reset."""

from __future__ import annotations

import pytest

from consumers.ops.offsets import replay_progress

T0, T1 = ("t", 0), ("t", 1)


@pytest.mark.parametrize(
    ("committed", "done"),
    [
        ({}, 0),  # the workers have not started
        ({T0: -1001, T1: None}, 0),  # nothing committed (Kafka's sentinel)
        ({T0: 4, T1: 12}, 4 + 2),  # partition 1 replays from 10
        ({T0: 10, T1: 15}, 10 + 5),  # both at the ends seen at reset
        ({T0: 30, T1: 40}, 10 + 5),  # new messages since the reset do not count
        ({T0: 0, T1: 3}, 0),  # a commit before the target counts as nothing
    ],
)
def test_done_counts_from_the_targets_and_stops_at_the_ends(
    committed: dict[tuple[str, int], int | None], done: int
) -> None:
    """Targets 0 and 10, ends 10 and 15: 15 messages to re-consume in all."""
    assert replay_progress({T0: 0, T1: 10}, {T0: 10, T1: 15}, committed) == (done, 15)


def test_a_target_at_the_end_has_nothing_to_re_consume() -> None:
    """A replay to a time after the last message moves nothing: done at once."""
    assert replay_progress({T0: 10}, {T0: 10}, {}) == (0, 0)
