"""Offset planning for replay and rebuild, and the replay command's argument checks."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from consumers.ops.cli import app
from consumers.ops.offsets import (
    OffsetChange,
    parse_timestamp,
    plan_offsets,
    remaining,
    resolve_targets,
)


def test_plan_lists_every_partition_with_current_and_target() -> None:
    """Partitions without a commit show None; the plan is sorted by topic and partition."""
    current = {("t", 1): 40, ("t", 0): -1001}
    targets = {("t", 1): 10, ("t", 0): 0, ("a", 0): 5}
    assert plan_offsets(current, targets) == [
        OffsetChange("a", 0, None, 5),
        OffsetChange("t", 0, None, 0),
        OffsetChange("t", 1, 40, 10),
    ]


@pytest.mark.parametrize(
    ("current", "target", "expected"), [(40, 10, 30), (10, 40, -30), (None, 0, None)]
)
def test_replayed_counts_messages_read_again(
    current: int | None, target: int, expected: int | None
) -> None:
    """Moving back re-reads (positive), moving forward skips (negative), unknown stays unknown."""
    assert OffsetChange("t", 0, current, target).replayed == expected


def test_no_message_after_the_timestamp_means_the_end() -> None:
    """A timestamp later than every message targets the end offset, not -1."""
    assert resolve_targets({("t", 0): -1, ("t", 1): 7}, {("t", 0): 12, ("t", 1): 20}) == {
        ("t", 0): 12,
        ("t", 1): 7,
    }


def test_remaining_counts_messages_before_the_ends() -> None:
    """Lag is the sum of end minus position, never negative."""
    assert remaining({("t", 0): 5, ("t", 1): 30}, {("t", 0): 10, ("t", 1): 20, ("t", 2): 3}) == 8


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1709285400000", 1709285400000),
        ("2024-03-01T09:30:00Z", 1709285400000),
        ("2024-03-01T10:30:00+01:00", 1709285400000),
        ("2024-03-01T09:30:00", 1709285400000),
    ],
)
def test_timestamps_parse_from_iso_or_epoch_millis(text: str, expected: int) -> None:
    """ISO 8601 (with or without offset, naive = UTC) and epoch ms give the same instant."""
    assert parse_timestamp(text) == expected


def test_bad_timestamp_names_the_forms() -> None:
    """An unreadable timestamp says which forms are accepted."""
    with pytest.raises(ValueError, match="expected ISO 8601"):
        parse_timestamp("last tuesday")


@pytest.mark.parametrize(
    "args",
    [
        ["replay", "--group", "g"],
        ["replay", "--group", "g", "--to-earliest", "--to-timestamp", "1"],
        ["replay", "--group", "g", "--to-timestamp", "yesterday"],
    ],
)
def test_replay_needs_exactly_one_valid_target(args: list[str]) -> None:
    """Neither or both targets, or a bad time, is a usage error before Kafka is touched."""
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
