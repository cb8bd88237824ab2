"""A throwaway identity stage on the real stack, for the live worker test and the benchmark.

:func:`sandbox` makes the pipeline's topics under a unique prefix (``<prefix>mcr.linked``,
``mcr.identity.changes``, ``mcr.shared``...: ``deploy.local.topics``, and the source topics of
``organisations``), grants the component principals their rules there, makes its own schemas
(the MPI's, made by the identity role; the consent stage's, ``<schema>_consent``, made by
the consent role when the worker starts; the organisation registry's, ``<schema>_registry``,
made and seeded by the operators' role) and consumer group, and removes them afterwards (with
faust's internal topics, the worker's consumer group and the rules). It is given an admin
client's settings; the worker it runs is the ``mcr-streams`` principal, as deployed.
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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

import psycopg

from deploy.local.topics import ensure_topics
from mcr.core import org_registry
from mcr.core.kafka_acls import component_acls, owned_by
from mcr.core.kafka_client import KafkaClientSettings
from mcr.core.kafka_principals import apply_acls, revoke
from mcr.core.topic_admin import create_missing_topics
from schemas.events import organisation_topic
from schemas.organisations import Organisation, OrganisationKind, OrgStatus, load_organisations
from streams.identity.connections import connect
from streams.identity.settings import IdentitySettings
from streams.identity.source_topics import list_source_topics
from streams.stages import ALL, STAGES, Stage, group_of

__all__ = [
    "ReadMessage",
    "Sandbox",
    "TopicReader",
    "live_test_organisation",
    "read_topic",
    "registered",
    "running_worker",
    "sandbox",
]

STOP_TIMEOUT_S = 60.0
_CREDENTIALS = ("MCR_KAFKA_USERNAME", "MCR_KAFKA_PASSWORD_FILE")
SANDBOX_ORGANISATIONS = ("GP1", "RC9", "RD8", "SC1", "LAB", "E81001", "K82001", "Y01")
"""The organisations the tests' and benchmarks' synthetic events come from."""
_WORKER = ("-m", "mcr", "streams", "worker")


@dataclass(frozen=True)
class Sandbox:
    """Where a throwaway stage lives."""

    settings: IdentitySettings
    app_id: str
    datadir: Path
    kafka: KafkaClientSettings
    """An admin principal (makes and removes the sandbox; tests produce and read with it)."""
    consent_dsn: str
    """The consent stage's role (``MCR_CONSENT_DSN``)."""
    operator_dsn: str
    """The operators' role (``MCR_OPERATOR_DSN``): owns the sandbox's registry."""

    @property
    def kafka_bootstrap(self) -> str:
        return self.kafka.bootstrap

    @property
    def projection_group(self) -> str:
        """The record projection's group in this sandbox (its ACL is the sandbox's own, so
        removing the sandbox never revokes the stack's rule for ``mcr-projection-record``)."""
        return f"{self.app_id}-record"

    @property
    def planning_group(self) -> str:
        """The planning store worker's group in this sandbox (granted to ``mcr-planning``)."""
        return f"{self.app_id}-planning"

    @property
    def source_topics(self) -> list[str]:
        """Every source topic of the sandbox on the cluster now (the organisations' made up
        front or since by an admin's first write, and the asserted one), sorted."""
        return list_source_topics(self.kafka, self.settings.source_topic_pattern)

    @property
    def consent_schema(self) -> str:
        """The consent stage's schema (its own, apart from the MPI's)."""
        return f"{self.settings.schema_name}_consent"

    def env(self) -> dict[str, str]:
        """The process environment pointing a worker at this sandbox (as its own component
        principal: no user is passed, so it finds ``mcr-streams`` in the secrets folder)."""
        environ = {k: v for k, v in os.environ.items() if k not in _CREDENTIALS}
        return {
            **environ,
            **self.kafka.environment(with_user=False),
            "MCR_IDENTITY_DSN": self.settings.postgres_dsn.get_secret_value(),
            "MCR_CONSENT_DSN": self.consent_dsn,
            "MCR_IDENTITY_SCHEMA": self.settings.schema_name,
            "MCR_REGISTRY_SCHEMA": self.settings.registry_schema,
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


def _admin(kafka: KafkaClientSettings) -> Any:
    from confluent_kafka.admin import AdminClient  # noqa: PLC0415 (Kafka stays lazy)

    return AdminClient(kafka.config())


def _delete_topics_and_groups(
    kafka: KafkaClientSettings, *prefixes: str, groups: Sequence[str]
) -> None:
    admin = _admin(kafka)
    names = [t for t in admin.list_topics(timeout=30).topics if t.startswith(prefixes)]
    futures = list(admin.delete_topics(names).values()) if names else []
    futures += list(admin.delete_consumer_groups(list(groups)).values())
    for future in futures:
        with suppress(Exception):  # already gone (or never made): nothing to clean
            future.result(timeout=30)


def live_test_organisation(ods_code: str) -> Organisation:
    """A live synthetic organisation for tests that publish under codes outside the region."""
    return Organisation(ods_code, f"Test organisation {ods_code}", OrganisationKind.GP_PRACTICE,
                        ("test",), OrgStatus.LIVE, date(2024, 1, 1),
                        "sharing.test@example.org")  # fmt: skip


def registered(codes: Iterable[str]) -> tuple[Organisation, ...]:
    """The region's organisations plus a live test organisation for each of ``codes`` that
    is not in the region."""
    region = load_organisations()
    known = {org.ods_code for org in region}
    extra = sorted({code for code in codes if code not in known})
    return (*region, *(live_test_organisation(code) for code in extra))


@contextmanager
def sandbox(
    *,
    kafka: KafkaClientSettings,
    postgres_dsn: str,
    consent_dsn: str,
    operator_dsn: str,
    partitions: int = 2,
    organisations: Iterable[str] = SANDBOX_ORGANISATIONS,
    unregistered: Iterable[str] = (),
) -> Iterator[Sandbox]:
    """Fresh topics, MPI, consent and registry schemas (identity's role ``postgres_dsn``,
    consent's ``consent_dsn``, the operators' ``operator_dsn``, which owns the registry as
    deployed) and consumer group; all removed on exit. ``kafka`` is an admin's;
    ``organisations`` get their source topics up front (others are made when an admin first
    writes them, and the worker picks them up within seconds). The sandbox's own organisation
    registry holds the region's file, plus ``organisations`` outside the region registered
    live (:func:`live_test_organisation`). ``unregistered`` codes get their topics too but no
    registry entry (organisations the registry refuses)."""
    tag = uuid.uuid4().hex[:10]
    settings = IdentitySettings(
        postgres_dsn=postgres_dsn,
        schema_name=f"mcr_sandbox_{tag}",
        registry_schema=f"mcr_sandbox_{tag}_registry",
        topic_prefix=f"sandbox.{tag}.",
    )
    datadir = Path(tempfile.mkdtemp(prefix="mcr-sandbox-"))
    box = Sandbox(settings, f"mcr-sandbox-{tag}", datadir, kafka, consent_dsn, operator_dsn)
    acls = component_acls(settings.topic_prefix, streams_app_id=box.app_id,
                          projection_group=box.projection_group,
                          planning_group=box.planning_group)  # fmt: skip
    try:
        ensure_topics(kafka, prefix=settings.topic_prefix, partitions=partitions)
        organisations = tuple(organisations)
        sources = [
            organisation_topic(org, prefix=settings.topic_prefix)
            for org in (*organisations, *unregistered)
        ]
        create_missing_topics(kafka, sources, partitions=partitions)
        apply_acls(_admin(kafka), acls)
        connect(postgres_dsn, settings.schema_name).close()
        with org_registry.connect(operator_dsn, settings.registry_schema) as registry:
            org_registry.seed(registry, registered(organisations))
        yield box
    finally:
        groups = [group_of(box.app_id, stage) for stage in STAGES]  # one per --stage worker
        _delete_topics_and_groups(kafka, settings.topic_prefix, box.app_id,
                                  groups=sorted(set(groups)))  # fmt: skip
        with suppress(Exception):  # the rules of a topic space that is gone
            revoke(_admin(kafka), owned_by(acls, settings.topic_prefix, box.app_id))
        for dsn, schema in (
            (postgres_dsn, settings.schema_name),
            (consent_dsn, box.consent_schema),
            (operator_dsn, settings.registry_schema),
        ):
            with psycopg.connect(dsn, autocommit=True) as owner:
                owner.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        shutil.rmtree(box.datadir, ignore_errors=True)


@contextmanager
def running_worker(
    box: Sandbox,
    *,
    log: IO[bytes] | None = None,
    stage: Stage = ALL,
    environ: Mapping[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """``mcr streams worker --stage <stage>`` on ``box`` (``environ`` overriding its settings)
    until the block ends, then SIGTERM and wait for it to exit (killed after
    :data:`STOP_TIMEOUT_S`). Its output goes to ``log``."""
    process = subprocess.Popen(
        [sys.executable, *_WORKER, "--stage", stage],
        env={**box.env(), **(environ or {})},
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

    def __init__(self, kafka: KafkaClientSettings, topic: str) -> None:
        from confluent_kafka import Consumer  # noqa: PLC0415 (Kafka stays lazy)

        self._consumer = Consumer(
            kafka.config(
                **{
                    "group.id": f"mcr-sandbox-reader-{uuid.uuid4().hex[:10]}",
                    "auto.offset.reset": "earliest",
                    "enable.auto.commit": False,
                }
            )
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


def read_topic(
    kafka: KafkaClientSettings, topic: str, *, count: int, timeout_s: float
) -> list[ReadMessage]:
    """Read ``topic`` from the beginning until ``count`` messages or ``timeout_s`` passed."""
    reader = TopicReader(kafka, topic)
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
