"""The pipeline's workers as child processes, configured for one run. Thin I/O.

``mcr streams worker --stage ...`` (one process per stage of ``BenchSpace.streams_layout``,
each its own consumer group: :mod:`streams.stages`) and ``mcr record run`` are
started exactly as a service manager would start them, with the run's environment; their
output goes to log files in a temporary folder. They are stopped with SIGTERM (each settles
and commits before exiting) and killed only if they outlive :data:`STOP_TIMEOUT_S`. When
something fails, the tail of every log is attached to the error, so the reason is on screen
without hunting for files.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import ConsumerGroupState
from confluent_kafka.admin import AdminClient

from consumers.ops.bench.errors import WorkerExitedError
from consumers.ops.bench.space import BenchSpace
from mcr.core.logging import get_logger
from streams.stages import Stage, group_of

__all__ = [
    "STOP_TIMEOUT_S",
    "Worker",
    "log_tails",
    "running_workers",
    "start_worker",
    "stop_process",
    "wait_until_ready",
]

STOP_TIMEOUT_S = 60.0
READY_TIMEOUT_S = 120.0
TAIL_LINES = 30
log = get_logger(__name__)


@dataclass
class Worker:
    """One started worker: its name, process and log file."""

    name: str
    group: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def exited(self) -> int | None:
        """The exit code once the process has ended, else None."""
        return self.process.poll()

    def stop(self) -> int:
        """SIGTERM, wait for a clean exit (kill after :data:`STOP_TIMEOUT_S`); the exit code."""
        return stop_process(self.process)


def stop_process(process: subprocess.Popen[bytes], timeout_s: float = STOP_TIMEOUT_S) -> int:
    """SIGTERM ``process``, wait for a clean exit (kill after ``timeout_s``); the exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def start_worker(
    name: str, *, group: str, argv: Sequence[str], env: Mapping[str, str], folder: Path
) -> Worker:
    home = folder / name  # faust keeps its data directory under the working directory
    home.mkdir()
    log_path = folder / f"{name}.log"
    with open(log_path, "wb") as log_file:  # the child keeps its own handle
        process = subprocess.Popen(
            [sys.executable, "-m", "mcr", *argv],
            env=dict(env),
            cwd=home,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    log.info("bench worker started", service=name, pid=process.pid, group=group)
    return Worker(name, group, process, log_path)


def _names(stage: str, count: int) -> list[str]:
    return [stage] if count == 1 else [f"{stage}-{n}" for n in range(1, count + 1)]


@contextmanager
def running_workers(
    space: BenchSpace, folder: Path, *, identity: int = 1, projection: int = 1
) -> Iterator[list[Worker]]:
    """``identity`` identity workers and one worker of each other stage of the run's streams
    layout (each a ``mcr streams worker --stage ...`` in its stage's consumer group), and
    ``projection`` projection workers for the block; stopped (cleanly) afterwards.

    If the block raises, the tail of each worker's log is written to stderr.
    """
    base = dict(os.environ)
    streams_env = space.identity_env(base)
    stages: list[tuple[str, Stage]] = [
        (name, stage)
        for stage in space.streams_layout
        for name in (_names("identity", identity) if stage in ("all", "identity") else [stage])
    ]
    workers = [
        start_worker(name, group=group_of(space.identity_group, stage),
                     argv=["streams", "worker", "--stage", stage], env=streams_env, folder=folder)
        for name, stage in stages
    ] + [
        start_worker(name, group=space.record_group, argv=["record", "run"],
               env=space.record_env(base), folder=folder)
        for name in _names("projection", projection)
    ]  # fmt: skip
    try:
        yield workers
    except BaseException as exc:
        _stop_all(workers)
        if not isinstance(exc, WorkerExitedError):  # that one carries the tails already
            sys.stderr.write(log_tails(workers))
        raise
    codes = _stop_all(workers)
    log.info("bench workers stopped", detail=",".join(f"{n}={c}" for n, c in codes.items()))


def _stop_all(workers: Sequence[Worker]) -> dict[str, int]:
    """SIGTERM every worker first (they settle in parallel), then wait for each."""
    for worker in workers:
        if worker.process.poll() is None:
            worker.process.send_signal(signal.SIGTERM)
    return {worker.name: worker.stop() for worker in workers}


def log_tails(workers: Sequence[Worker], lines: int = TAIL_LINES) -> str:
    """The last ``lines`` lines of each worker's log, under a heading naming the file."""
    parts = []
    for worker in workers:
        try:
            text = worker.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = "(log unreadable)"
        tail = "\n".join(text.splitlines()[-lines:])
        parts.append(f"--- {worker.name} worker log ({worker.log_path}) ---\n{tail}\n")
    return "".join(parts)


def wait_until_ready(
    admin: AdminClient, workers: Sequence[Worker], *, timeout_s: float = READY_TIMEOUT_S
) -> float:
    """Wait until every worker's group is stable with a partition assignment for each of its
    workers; returns the seconds waited. Raises WorkerExitedError (with the log tails) when a
    worker exits or the groups are not ready in time."""
    expected = Counter(worker.group for worker in workers)
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        for worker in workers:
            code = worker.exited()
            if code is not None:
                raise WorkerExitedError(
                    f"{worker.name} worker exited with code {code} before it was ready\n"
                    + log_tails(workers)
                )
        if all(_assigned(admin, group) >= count for group, count in expected.items()):
            return time.monotonic() - started
        time.sleep(0.5)
    raise WorkerExitedError(
        f"workers not ready after {timeout_s:.0f} s (groups not stable)\n" + log_tails(workers)
    )


def _assigned(admin: AdminClient, group: str) -> int:
    """How many members of ``group`` hold partitions (0 unless the group is stable)."""
    try:
        found = admin.describe_consumer_groups([group])[group].result(timeout=10)
    except Exception:  # the group does not exist yet
        return 0
    if found.state != ConsumerGroupState.STABLE:
        return 0
    return sum(1 for member in found.members if member.assignment.topic_partitions)
