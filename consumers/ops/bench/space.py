"""Names and settings of one benchmark run's private corner of the stack. Pure.

Every run gets a random tag; its topics (``bench.<tag>.mcr.source.<ODS>``, ``.mcr.linked``, ...),
MPI schema, faust application id, consumer groups, record alias and baseline index all carry
it, so a run never reads or writes the demo's data and everything it made can be found and
removed afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from mcr.core.kafka_client import KafkaClientSettings
from mcr.core.settings import replace
from producers.sdk.settings import PublisherConfig
from schemas.events import (
    ASSERTED_SOURCE_TOPIC,
    DLQ_TOPIC,
    IDENTITY_CHANGES_TOPIC,
    LINKED_TOPIC,
    PLANNING_TOPIC,
    SHARED_TOPIC,
    organisation_topic,
)
from streams.stages import STAGES, Stage, group_of, stages_of

__all__ = ["STREAMS_LAYOUT", "BenchSpace", "Targets", "new_space", "with_application_name"]

STREAMS_LAYOUT: tuple[Stage, ...] = ("identity", "linked")
"""``mcr bench e2e``'s streams processes: identity, and consent with de-identification in one
process reading ``mcr.linked`` once (streams/stages.py)."""


@dataclass(frozen=True)
class Targets:
    """Where the real stack listens. ``kafka`` is the bench driver's: an admin, because it
    provisions and removes its space; every process it starts runs as its own principal."""

    kafka: KafkaClientSettings
    opensearch_url: str
    identity_dsn: str
    """The identity stage's role (the MPI)."""
    consent_dsn: str
    """The consent stage's role (the consent state)."""
    operator_dsn: str
    """The operators' role (the run's organisation registry)."""


@dataclass(frozen=True)
class BenchSpace:
    """One run's names (all derived from ``tag``) and how its workers are configured."""

    tag: str
    targets: Targets
    partitions: int = 4
    commit_interval_s: float = 1.0
    organisations: tuple[str, ...] = ()
    """Whose events the run publishes (each gets its source topic in the space)."""
    streams_layout: tuple[Stage, ...] = ("all",)
    """The ``mcr streams worker --stage`` processes the run starts (one identity process per
    ``--identity-workers``, one of each other stage): ``all`` (one process, as the ops tests
    start it), or :data:`STREAMS_LAYOUT`, what deployments run (``mcr bench e2e``, ``query``
    and ``backfill``)."""

    @property
    def prefix(self) -> str:
        """Prepended to every pipeline topic name."""
        return f"bench.{self.tag}."

    @property
    def schema(self) -> str:
        """The MPI's PostgreSQL schema."""
        return f"mcr_bench_{self.tag}"

    @property
    def consent_schema(self) -> str:
        """The consent stage's schema (its own role's, apart from the MPI)."""
        return f"{self.schema}_consent"

    @property
    def registry_schema(self) -> str:
        """The run's organisation registry (the operators' role's, read by identity)."""
        return f"{self.schema}_registry"

    @property
    def identity_group(self) -> str:
        """The faust application id, which is also the identity stage's consumer group."""
        return f"mcr-bench-{self.tag}-identity"

    @property
    def consent_group(self) -> str:
        """The consumer group of the process that runs the consent stage."""
        [stage] = [s for s in self.streams_layout if "consent" in stages_of(s)]
        return group_of(self.identity_group, stage)

    @property
    def streams_groups(self) -> tuple[str, ...]:
        """Every consumer group a streams worker of this run may have made (removed at the
        end)."""
        return tuple(dict.fromkeys(group_of(self.identity_group, s) for s in STAGES))

    @property
    def record_group(self) -> str:
        """The projection worker's consumer group."""
        return f"mcr-bench-{self.tag}-record"

    @property
    def alias(self) -> str:
        """The record alias (also the prefix of its index versions and template)."""
        return f"bench-{self.tag}-record"

    @property
    def baseline_index(self) -> str:
        """Where the plain consumer indexes."""
        return f"bench-{self.tag}-baseline"

    @property
    def application_name(self) -> str:
        """What the run's PostgreSQL sessions call themselves (to find their backends)."""
        return f"mcr-bench-{self.tag}"

    @property
    def source_topics(self) -> tuple[str, ...]:
        """The organisations' source topics and the asserted one."""
        own = (organisation_topic(org, prefix=self.prefix) for org in self.organisations)
        return (*own, self.prefix + ASSERTED_SOURCE_TOPIC)

    @property
    def linked_topic(self) -> str:
        return self.prefix + LINKED_TOPIC

    @property
    def changes_topic(self) -> str:
        return self.prefix + IDENTITY_CHANGES_TOPIC

    @property
    def shared_topic(self) -> str:
        return self.prefix + SHARED_TOPIC

    @property
    def dlq_topic(self) -> str:
        return self.prefix + DLQ_TOPIC

    @property
    def planning_topic(self) -> str:
        """Where the streams worker's de-identification stage writes (made up front: its
        principal may write it, not create it)."""
        return self.prefix + PLANNING_TOPIC

    @property
    def topics(self) -> tuple[str, ...]:
        """Every topic the run creates up front."""
        return (
            *self.source_topics,
            self.linked_topic,
            self.changes_topic,
            self.shared_topic,
            self.planning_topic,
            self.dlq_topic,
        )

    def identity_env(self, base: Mapping[str, str]) -> dict[str, str]:
        """``base`` plus the variables pointing ``mcr streams worker`` at this run.

        ``BROKER_COMMIT_INTERVAL`` is faust's own setting: commits every ``commit_interval_s``
        (faust's default is 2.8 s), the same cadence as the projection, so "caught up" is
        seen as soon as it happens.
        """
        return {
            **_without_user(base),
            **self.targets.kafka.environment(with_user=False),
            "MCR_IDENTITY_DSN": with_application_name(
                self.targets.identity_dsn, self.application_name
            ),
            "MCR_CONSENT_DSN": with_application_name(
                self.targets.consent_dsn, self.application_name
            ),
            "MCR_IDENTITY_SCHEMA": self.schema,
            "MCR_REGISTRY_SCHEMA": self.registry_schema,
            "MCR_CONSENT_SCHEMA": self.consent_schema,
            "MCR_TOPIC_PREFIX": self.prefix,
            "MCR_STREAMS_APP_ID": self.identity_group,
            "BROKER_COMMIT_INTERVAL": str(self.commit_interval_s),
        }

    def record_env(self, base: Mapping[str, str]) -> dict[str, str]:
        """``base`` plus the variables pointing ``mcr record run`` at this run."""
        return {
            **_without_user(base),
            **self.targets.kafka.environment(with_user=False),
            "MCR_OPENSEARCH_URL": self.targets.opensearch_url,
            "MCR_RECORD_SOURCE_TOPIC": self.shared_topic,
            "MCR_RECORD_IDENTITY_TOPIC": self.changes_topic,
            "MCR_RECORD_DLQ_TOPIC": self.dlq_topic,
            "MCR_RECORD_GROUP": self.record_group,
            "MCR_RECORD_ALIAS": self.alias,
            "MCR_RECORD_COMMIT_INTERVAL_MS": str(round(self.commit_interval_s * 1000)),
        }

    def publisher_config(self, base: PublisherConfig) -> PublisherConfig:
        """``base`` (the environment's producer settings) sending to this run's topics, each
        organisation as its own principal (``PublisherFleet``)."""
        kafka = self.targets.kafka.model_copy(update={"username": None, "password_file": None})
        return replace(
            base,
            kafka=kafka,
            topic_prefix=self.prefix,
            client_id=f"mcr-bench-{self.tag}",
        )


def _without_user(base: Mapping[str, str]) -> dict[str, str]:
    """``base`` without a Kafka user: a started worker runs as its own component principal."""
    return {
        k: v for k, v in base.items() if k not in ("MCR_KAFKA_USERNAME", "MCR_KAFKA_PASSWORD_FILE")
    }


def with_application_name(dsn: str, name: str) -> str:
    """``dsn`` (URL or ``key=value`` form) with ``application_name`` set to ``name``."""
    if "://" not in dsn:
        return f"{dsn} application_name={name}"
    parts = urlsplit(dsn)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "application_name"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("application_name", name)])))


def new_space(
    targets: Targets,
    *,
    partitions: int = 4,
    organisations: Iterable[str] = (),
    streams_layout: tuple[Stage, ...] = ("all",),
) -> BenchSpace:
    """A space with a fresh random tag, for events of ``organisations``."""
    return BenchSpace(tag=uuid.uuid4().hex[:10], targets=targets, partitions=partitions,
                      organisations=tuple(sorted(set(organisations))),
                      streams_layout=streams_layout)  # fmt: skip
