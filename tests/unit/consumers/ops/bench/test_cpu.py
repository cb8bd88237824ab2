"""Reading CPU time from /proc/<pid>/stat lines."""

from __future__ import annotations

import os

import pytest

from consumers.ops.bench.cpu import CpuMeter, parse_stat, process

# Fields after the command: state ppid pgrp session tty tpgid flags minflt cminflt majflt
# cmajflt utime stime ...
LINE = "4242 (python3 -m (mcr) x) S 17 4242 4242 0 -1 4194560 900 0 0 0 250 30 0 0 20 0 9"


def test_parse_stat_reads_parent_and_user_plus_system_ticks() -> None:
    """A command name with spaces and parentheses does not shift the fields."""
    assert parse_stat(LINE) == (17, 280)


@pytest.mark.parametrize("line", ["", "4242 (x) S", "4242 (x) S a b c d e f g h i j k l"])
def test_parse_stat_refuses_malformed_lines(line: str) -> None:
    """A truncated or non-numeric line is an error, not a wrong number."""
    with pytest.raises(ValueError, match="not a /proc"):
        parse_stat(line)


def test_meter_reports_this_process_and_omits_a_vanished_one() -> None:
    """The meter measures a live process and leaves out one that does not exist."""
    meter = CpuMeter({"me": process(os.getpid()), "gone": process(2**22 + 7)})
    meter.start()
    sum(i * i for i in range(300_000))

    used = meter.stop()

    assert set(used) == {"me"} and used["me"] >= 0.0


def test_meter_skips_a_component_that_cannot_be_found() -> None:
    """A pid source that fails (a database that is down) leaves that component out."""

    def broken() -> list[int]:
        raise OSError("unreachable")

    meter = CpuMeter({"me": process(os.getpid()), "db": broken})
    meter.start()

    assert set(meter.stop()) == {"me"}
