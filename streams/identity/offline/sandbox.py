"""A throwaway identity stage on the real stack, for the live worker test and the benchmark.

:func:`sandbox` makes the pipeline's topics under a unique prefix (``<prefix>mcr.source.*``,
``mcr.linked``, ``mcr.identity.changes``, ``mcr.shared``...: ``deploy.local.topics``), its own
schemas (the MPI's, made by the identity role, and the consent stage's, ``<schema>_consent``,
made by the consent role when the worker starts) and consumer group, and removes them
afterwards (with faust's internal topics and the worker's consumer group).
:func:`running_worker` runs ``mcr streams worker`` on them as a child process and stops it
with SIGTERM, as a service manager would. :class:`TopicReader` and :func:`read_topic` read
what the stage wrote.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import psycopg

from deploy.local.topics import ensure_topics
from streams.identity.connections import connect
from streams.identity.settings import IdentitySettings

__all__ = ["ReadMessage", "Sandbox", "TopicReader", "read_topic", "running_worker", "sandbox"]

STOP_TIMEOUT_S = 60.0
_WORKER = ("-m", "mcr", "streams", "worker")


@dataclass(frozen=True)
class Sandbox:
    """Where a throwaway stage lives."""

    settings: IdentitySettings
    app_id: str
    datadir: Path
    kafka_bootstrap: str
    consent_dsn: str
    """The consent stage's role (``MCR_CONSENT_DSN``)."""

    @property
    def consent_schema(self) -> str:
        """The consent stage's schema (its own, apart from the MPI's)."""
        return f"{self.settings.schema_name}_consent"

    def env(self) -> dict[str, str]:
        """The process environment pointing a worker (and producers) at this sandbox."""
        return {
            **os.environ,
            "MCR_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "MCR_IDENTITY_DSN": self.settings.postgres_dsn.get_secret_value(),
            "MCR_CONSENT_DSN": self.consent_dsn,
            "MCR_IDENTITY_SCHEMA": self.settings.schema_name,
            "MCR_CONSENT_SCHEMA": self.consent_schema,
            "MCR_TOPIC_PREFIX": self.settings.topic_prefix,
            "MCR_STREAMS_APP_ID": self.app_id,
            "APP_DATADIR": str(self.datadir),
        }


@dataclass(frozen=True)
class ReadMessage:
    """A message read back: key, value and headers (as a dict)."""

    key: bytes | None
    value: bytes
    headers: dict[str, bytes] = field(default_factory=dict)
    timestamp_ms: int = 0


def _admin(bootstrap: str) -> Any:
    from confluent_kafka.admin import AdminClient  # noqa: PLC0415 (Kafka stays lazy)

    return AdminClient({"bootstrap.servers": bootstrap})


def _delete_topics_and_group(bootstrap: str, *prefixes: str, group: str) -> None:
    admin = _admin(bootstrap)
    names = [t for t in admin.list_topics(timeout=30).topics if t.startswith(prefixes)]
    futures = list(admin.delete_topics(names).values()) if names else []
    futures += list(admin.delete_consumer_groups([group]).values())
    for future in futures:
        with suppress(Exception):  # already gone (or never made): nothing to clean
            future.result(timeout=30)


@contextmanager
def sandbox(
    *, bootstrap: str, postgres_dsn: str, consent_dsn: str, partitions: int = 2
) -> Iterator[Sandbox]:
    """Fresh topics, MPI and consent schemas (identity's role ``postgres_dsn``, consent's
    ``consent_dsn``) and consumer group; all removed on exit."""
    tag = uuid.uuid4().hex[:10]
    settings = IdentitySettings(
        postgres_dsn=postgres_dsn,
        schema_name=f"mcr_sandbox_{tag}",
        topic_prefix=f"sandbox.{tag}.",
    )
    datadir = Path(tempfile.mkdtemp(prefix="mcr-sandbox-"))
    box = Sandbox(settings, f"mcr-sandbox-{tag}", datadir, bootstrap, consent_dsn)
    try:
        ensure_topics(bootstrap, prefix=settings.topic_prefix, partitions=partitions)
        connect(postgres_dsn, settings.schema_name).close()
        yield box
    finally:
        _delete_topics_and_group(bootstrap, settings.topic_prefix, box.app_id, group=box.app_id)
        for dsn, schema in (
            (postgres_dsn, settings.schema_name),
            (consent_dsn, box.consent_schema),
        ):
            with psycopg.connect(dsn, autocommit=True) as owner:
                owner.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        shutil.rmtree(box.datadir, ignore_errors=True)


@contextmanager
def running_worker(
    box: Sandbox, *, log: IO[bytes] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``mcr streams worker`` on ``box`` until the block ends, then SIGTERM and wait for it
    to exit (killed after :data:`STOP_TIMEOUT_S`). Its output goes to ``log``."""
    process = subprocess.Popen(
        [sys.executable, *_WORKER],
        env=box.env(),
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class TopicReader:
    """Reads one topic from the beginning, a poll at a time."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        from confluent_kafka import Consumer  # noqa: PLC0415 (Kafka stays lazy)

        self._consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": f"mcr-sandbox-reader-{uuid.uuid4().hex[:10]}",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
            }
        )
        from confluent_kafka import OFFSET_BEGINNING, TopicPartition  # noqa: PLC0415

        # Assigned, not subscribed: no consumer group is created, so none is left behind.
        found = self._consumer.list_topics(topic, timeout=30).topics[topic].partitions
        self._consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in found])
        self.messages: list[ReadMessage] = []

    def poll(self, timeout_s: float = 0.5) -> int:
        """Read what arrived within ``timeout_s``; returns how many messages that was."""
        batch = self._consumer.consume(num_messages=5000, timeout=timeout_s)
        found = [_consumed(m) for m in batch if m.error() is None]
        self.messages.extend(found)
        return len(found)

    def close(self) -> None:
        """Leave the group."""
        self._consumer.close()


def read_topic(bootstrap: str, topic: str, *, count: int, timeout_s: float) -> list[ReadMessage]:
    """Read ``topic`` from the beginning until ``count`` messages or ``timeout_s`` passed."""
    reader = TopicReader(bootstrap, topic)
    deadline = time.monotonic() + timeout_s
    try:
        while len(reader.messages) < count and time.monotonic() < deadline:
            reader.poll()
    finally:
        reader.close()
    return reader.messages


def _consumed(message: Any) -> ReadMessage:
    headers = {name: value or b"" for name, value in message.headers() or []}
    return ReadMessage(message.key(), message.value(), headers, message.timestamp()[1])
