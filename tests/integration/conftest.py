"""Integration fixtures shared by every folder here.

The streams worker's entry point configures the faust application before the agent modules
load (``streams.app.configure``); the agent wiring tests import those modules, so the test
session configures it the same way, from the test environment, before they are collected.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from deploy.local import StackSettings
from streams.app import configure
from streams.identity.offline.sandbox import Sandbox, running_worker, sandbox
from streams.settings import WorkerSettings

configure(WorkerSettings.from_env())


def stack_sandbox(stack: StackSettings, **options: Any) -> AbstractContextManager[Sandbox]:
    """:func:`sandbox` on the test stack: its admin principal and each stage's own role;
    ``options`` as :func:`sandbox` takes them (``organisations``, ``unregistered``...)."""
    return sandbox(kafka=stack.kafka_admin, postgres_dsn=stack.identity_dsn,
                   consent_dsn=stack.consent_dsn, operator_dsn=stack.operator_dsn,
                   **options)  # fmt: skip


@pytest.fixture
def empty_sandbox(stack: StackSettings) -> Iterator[Sandbox]:
    """A sandbox (fresh prefixed topics, MPI and consent schema, group) on the stack's own
    roles, with no worker: the test starts what it needs."""
    with stack_sandbox(stack) as made:
        yield made


@pytest.fixture
def streams_sandbox(empty_sandbox: Sandbox, tmp_path: Path) -> Iterator[Sandbox]:
    """:func:`empty_sandbox` with a real streams worker (``mcr streams worker``: identity then
    consent) running on it; its log in tmp."""
    with (
        (tmp_path / "worker.log").open("wb") as log,
        running_worker(empty_sandbox, log=log),
    ):
        yield empty_sandbox
