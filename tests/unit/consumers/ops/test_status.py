"""How ``mcr status`` judges a stage and the whole pipeline (pure)."""

from __future__ import annotations

import pytest

from consumers.ops.status import (
    GroupSample,
    PipelineStatus,
    StageReport,
    StageState,
    StoreHealth,
    judge_stage,
    sample_group,
)

A, B = ("t", 0), ("t", 1)


def test_a_sample_counts_waiting_messages_from_the_committed_offsets() -> None:
    found = sample_group([A, B], {A: 7, B: None}, starts={A: 0, B: 3}, ends={A: 10, B: 5},
                         members=2)  # fmt: skip
    # A: 3 waiting from 7; B never committed: everything since its earliest (3) is waiting
    assert found == GroupSample(lag=3 + 2, committed=7 + 3, members=2)


def test_a_negative_committed_offset_means_nothing_committed() -> None:
    assert sample_group([A], {A: -1001}, starts={A: 4}, ends={A: 9}, members=1).lag == 5


@pytest.mark.parametrize(
    ("before", "after", "state"),
    [
        (GroupSample(5, 10, 1), GroupSample(0, 15, 0), StageState.DOWN),
        (GroupSample(0, 10, 1), GroupSample(0, 10, 1), StageState.CAUGHT_UP),
        (GroupSample(9, 10, 1), GroupSample(4, 15, 1), StageState.WORKING),
        (GroupSample(9, 10, 1), GroupSample(12, 10, 1), StageState.STUCK),
    ],
    ids=["no member is down", "nothing waiting", "committed moved", "nothing committed"],
)
def test_a_stage_is_judged_from_two_samples(
    before: GroupSample, after: GroupSample, state: StageState
) -> None:
    report = judge_stage("identity", "g", before, after, interval_s=5.0)
    assert report.state is state and report.lag == after.lag


def test_the_rate_is_what_was_committed_per_second() -> None:
    report = judge_stage("record", "g", GroupSample(100, 1_000, 1), GroupSample(50, 1_250, 1), 5.0)
    assert report.rate_per_s == 50.0


def _stage(state: StageState) -> StageReport:
    return StageReport("identity", "g", state, 0, 0.0, 1)


UP = StoreHealth("kafka", True, "1 broker(s)")


@pytest.mark.parametrize(
    ("status", "healthy"),
    [
        (PipelineStatus((_stage(StageState.WORKING),), (UP,)), True),
        (PipelineStatus((_stage(StageState.CAUGHT_UP),), (UP,)), True),
        (PipelineStatus((_stage(StageState.STUCK),), (UP,)), False),
        (PipelineStatus((_stage(StageState.DOWN),), (UP,)), False),
        (PipelineStatus((), (StoreHealth("opensearch", False, "no answer"),)), False),
        (PipelineStatus((), (UP,), problems=("kafka: could not read",)), False),
    ],
)
def test_healthy_only_when_stores_answer_and_no_stage_is_down_or_stuck(
    status: PipelineStatus, healthy: bool
) -> None:
    assert status.healthy is healthy
    assert status.as_json()["healthy"] is healthy


def test_json_totals_the_dead_letters() -> None:
    letters = ({"stage": "identity", "reason": "DecodeError", "count": 3, "redriven": 1},
               {"stage": "record", "reason": "x", "count": 2, "redriven": 0})  # fmt: skip
    found = PipelineStatus((), (UP,), letters, reviews_pending=4, held_events=1).as_json()
    assert found["dead_letters_total"] == 5 and found["reviews_pending"] == 4
