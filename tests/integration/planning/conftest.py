"""A streams worker (identity, consent, de-identification) on a sandbox and the planning store
worker on its mcr.planning, into a fresh schema and receipts schema."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from deploy.local import StackSettings
from mcr.core.kafka_acls import PLANNING
from producers.sdk import Publisher, PublisherConfig
from projections.planning.runner import PlanningWorker
from projections.planning.settings import PlanningStoreSettings
from schemas.events import SourceEvent
from streams.deid.pseudonyms import Pseudonymiser, load_key
from streams.identity.offline.sandbox import Sandbox

TIMEOUT_S = 120.0


@dataclass
class Planning:
    """The running pipeline, its store, and helpers to publish and query."""

    box: Sandbox
    settings: PlanningStoreSettings
    pseudonyms: Pseudonymiser

    def publish(self, *events: SourceEvent) -> None:
        config = PublisherConfig(kafka=self.box.kafka, topic_prefix=self.box.settings.topic_prefix)
        with Publisher(config) as publisher:
            publisher.publish_all(list(events))

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        dsn = self.settings.postgres_dsn.get_secret_value()
        schema = self.settings.schema_name
        with psycopg.connect(dsn, options=f"-c search_path={schema}") as conn:
            return conn.execute(sql, params).fetchall()

    def wait_until(
        self, what: str, done: Callable[[], bool], timeout_s: float = TIMEOUT_S
    ) -> float:
        """Poll ``done`` until true; returns the seconds it took."""
        started = time.monotonic()
        while not done():
            assert time.monotonic() - started < timeout_s, f"timed out waiting for {what}"
            time.sleep(0.2)
        return time.monotonic() - started


@pytest.fixture
def planning(streams_sandbox: Sandbox, stack: StackSettings) -> Iterator[Planning]:
    """The planning store worker running in a thread on the sandbox's mcr.planning, as the
    ``mcr-planning`` principal and the ``mcr_planning`` database role (so their grants are what
    is tested): its own schema, its receipts in the stack's one receipts store."""
    tag = uuid.uuid4().hex[:10]
    settings = PlanningStoreSettings(
        kafka=stack.kafka_client(PLANNING), postgres_dsn=stack.role_dsn("mcr_planning"),
        topic_prefix=streams_sandbox.settings.topic_prefix, schema_name=f"t_planning_{tag}",
        group_id=streams_sandbox.planning_group,
    )  # fmt: skip
    stop = threading.Event()
    worker = PlanningWorker(settings, stop=stop)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    key = load_key(str(stack.planning_key_file))
    try:
        yield Planning(streams_sandbox, settings, Pseudonymiser(key))
    finally:
        stop.set()
        thread.join(30)
        with psycopg.connect(stack.postgres_dsn, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA IF EXISTS "{settings.schema_name}" CASCADE')
