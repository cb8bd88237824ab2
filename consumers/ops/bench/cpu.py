"""CPU seconds each part of the stack used during a phase, from ``/proc`` (Linux). Thin I/O
around the pure :func:`parse_stat`.

On a shared 2-core machine this says more than any rate: who was on the CPU while the
pipeline ran. A component is a set of processes asked for at start and at stop: one worker,
one service, or the PostgreSQL backends serving the run's workers (found by their
``application_name``, so other sessions on the shared server are not counted). Threads are
included in their process's counters.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from mcr.core.logging import get_logger

__all__ = ["CpuMeter", "PidSource", "parse_stat", "process"]

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PROC = Path("/proc")
log = get_logger(__name__)


def parse_stat(text: str) -> tuple[int, int]:
    """``(parent pid, user + system clock ticks)`` from one ``/proc/<pid>/stat`` line.

    The command name (field 2) may contain spaces and parentheses, so fields are counted
    after its last ``)``. Raises ValueError on a malformed line.
    """
    try:
        fields = text.rsplit(")", 1)[1].split()
        return int(fields[1]), int(fields[11]) + int(fields[12])
    except (IndexError, ValueError) as exc:
        raise ValueError("stat: not a /proc/<pid>/stat line") from exc


PidSource = Callable[[], Iterable[int]]
"""Says which processes make up a component right now (asked at start and at stop)."""


def process(pid: int) -> PidSource:
    """A component that is one process (with its threads)."""
    return lambda: (pid,)


class CpuMeter:
    """CPU seconds per named component between :meth:`start` and :meth:`stop`.

    Counters are kept per process: a process that starts during the phase counts from zero,
    one that ends during it is left out (its last counters are unknown).
    """

    def __init__(self, components: Mapping[str, PidSource]) -> None:
        self._components = dict(components)
        self._start: dict[str, dict[int, int]] = {}

    def start(self) -> None:
        """Take the starting counters."""
        self._start = self._ticks()

    def stop(self) -> dict[str, float]:
        """CPU seconds per component since :meth:`start` (one with no process left: omitted)."""
        used: dict[str, float] = {}
        for name, after in self._ticks().items():
            before = self._start.get(name, {})
            ticks = sum(
                t - before.get(pid, 0) for pid, t in after.items() if t >= before.get(pid, 0)
            )
            used[name] = ticks / _TICKS
        return used

    def _ticks(self) -> dict[str, dict[int, int]]:
        found: dict[str, dict[int, int]] = {}
        for name, source in self._components.items():
            try:
                pids = list(source())
            except Exception as exc:  # a component that cannot be found now is not measured
                log.warning(
                    "bench cpu component unavailable", stage=name, error_type=type(exc).__name__
                )
                continue
            ticks = {pid: stat[1] for pid in pids if (stat := _stat(pid)) is not None}
            if ticks:
                found[name] = ticks
        return found


def _stat(pid: int) -> tuple[int, int] | None:
    try:
        return parse_stat((_PROC / str(pid) / "stat").read_text())
    except (OSError, ValueError):
        return None
