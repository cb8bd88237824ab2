"""Integration fixtures shared by every folder here.

The streams worker's entry point configures the faust application before the agent modules
load (``streams.app.configure``); the agent wiring tests import those modules, so the test
session configures it the same way, from the test environment, before they are collected.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.local import StackSettings
from streams.app import configure
from streams.identity.offline.sandbox import Sandbox, running_worker, sandbox
from streams.settings import WorkerSettings

configure(WorkerSettings.from_env())


@pytest.fixture
def streams_sandbox(stack: StackSettings, tmp_path: Path) -> Iterator[Sandbox]:
    """A sandbox (fresh prefixed topics, MPI and consent schema, group) with a real streams
    worker (``mcr streams worker``: identity then consent) running on it; its log in tmp."""
    with (
        sandbox(kafka=stack.kafka_admin, postgres_dsn=stack.postgres_dsn) as made,
        (tmp_path / "worker.log").open("wb") as log,
        running_worker(made, log=log),
    ):
        yield made
