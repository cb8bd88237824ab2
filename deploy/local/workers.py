"""Pipeline workers run in the background next to the stack: start, check, stop.

Each worker is an ``mcr`` sub-command run as ``python -m mcr --log-json ...`` with its log in
``.run/workers/<name>.log`` (JSON lines) and its pid beside it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from deploy.local import process
from deploy.local.settings import PROJECT_ROOT, StackSettings


@dataclass(frozen=True)
class WorkerSpec:
    """A long-running pipeline process: its name and its ``mcr`` arguments."""

    name: str
    args: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    """Variables this worker gets on top of the environment (its metrics port)."""


@dataclass(frozen=True)
class WorkerStatus:
    name: str
    pid: int | None
    log_file: Path

    @property
    def state(self) -> str:
        return "running" if self.pid is not None else "stopped"


def _paths(settings: StackSettings, spec: WorkerSpec) -> tuple[Path, Path]:
    folder = settings.service_dir("workers")
    return folder / f"{spec.name}.log", folder / f"{spec.name}.pid"


def start(settings: StackSettings, specs: list[WorkerSpec]) -> list[WorkerStatus]:
    """Start each worker that is not already running (idempotent)."""
    for spec in specs:
        log_file, pid_file = _paths(settings, spec)
        if process.is_alive(process.read_pid(pid_file)):
            continue
        argv = [sys.executable, "-m", "mcr", "--log-json", *spec.args]
        process.spawn(argv, log_file=log_file, pid_file=pid_file, cwd=PROJECT_ROOT,
                      env={**os.environ, **spec.env})  # fmt: skip
    return status(settings, specs)


def status(settings: StackSettings, specs: list[WorkerSpec]) -> list[WorkerStatus]:
    rows = []
    for spec in specs:
        log_file, pid_file = _paths(settings, spec)
        pid = process.read_pid(pid_file)
        rows.append(WorkerStatus(spec.name, pid if process.is_alive(pid) else None, log_file))
    return rows


def stop(settings: StackSettings, specs: list[WorkerSpec]) -> None:
    """SIGTERM every running worker at once and wait for each (SIGKILL after 20 s): the
    workers finish their shutdown side by side, not one after another."""
    pids = [process.read_pid(_paths(settings, spec)[1]) for spec in specs]
    running = [pid for pid in pids if pid is not None and process.is_alive(pid)]
    with ThreadPoolExecutor(max_workers=max(1, len(running))) as pool:
        list(pool.map(lambda pid: process.terminate(pid, grace_s=20), running))
