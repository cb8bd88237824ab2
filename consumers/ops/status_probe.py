"""``mcr status``'s looks at the running pipeline: consumer groups, dead letters, the identity
review queue and the stores. Thin I/O around :mod:`consumers.ops.status`.

Each look fails on its own: a store that does not answer is reported as down (with the error's
type, never its message, which may carry a DSN), and the rest is still shown.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from confluent_kafka.admin import (  # type: ignore[attr-defined]  # OffsetSpec: not in __all__
    AdminClient,
    OffsetSpec,
)

from consumers.ops.dead_letters import summarise
from consumers.ops.dlq import read_letters, read_redriven
from consumers.ops.groups import TIMEOUT_S, committed_offsets, list_offsets
from consumers.ops.offsets import Partition
from consumers.ops.pipeline_stages import StageSpec
from consumers.ops.status import (
    GroupSample,
    PipelineStatus,
    StageReport,
    StoreHealth,
    judge_stage,
    sample_group,
)
from mcr.core.kafka_client import KafkaClientSettings
from mcr.core.opensearch import connect
from mcr.core.postgres import quoted_schema

__all__ = ["StageSpec", "StatusTargets", "collect_status"]

_STORE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class StatusTargets:
    """Where the pipeline runs, reached as the operators (their Kafka principal, OpenSearch
    user and PostgreSQL role: docs/security-stores.md)."""

    kafka: KafkaClientSettings
    opensearch_url: str
    opensearch_ca_file: str
    postgres_dsn: str
    identity_schema: str
    record_alias: str
    dlq_topic: str
    redrive_log_topic: str


def _group_partitions(admin: AdminClient, spec: StageSpec) -> list[Partition]:
    """The stage's input partitions: every partition of every matching topic on the broker
    (so a topic the group never committed still counts as waiting)."""
    topics = admin.list_topics(timeout=TIMEOUT_S).topics
    return sorted((name, p) for name, meta in topics.items() if spec.takes(name)
                  for p in meta.partitions)  # fmt: skip


def _members(admin: AdminClient, group: str) -> int:
    try:
        found = admin.describe_consumer_groups([group])[group].result(timeout=TIMEOUT_S)
    except Exception:  # an unknown group has no members
        return 0
    return len(found.members)


def _sample(admin: AdminClient, spec: StageSpec) -> GroupSample:
    partitions = _group_partitions(admin, spec)
    if not partitions:
        return GroupSample(0, 0, _members(admin, spec.group))
    committed = committed_offsets(admin, spec.group, partitions)
    starts = list_offsets(admin, partitions, OffsetSpec.earliest())  # type: ignore[no-untyped-call]
    ends = list_offsets(admin, partitions, OffsetSpec.latest())  # type: ignore[no-untyped-call]
    return sample_group(partitions, committed, starts, ends, _members(admin, spec.group))


def _stages(
    admin: AdminClient, specs: Sequence[StageSpec], interval_s: float
) -> tuple[StageReport, ...]:
    before = {spec.name: _sample(admin, spec) for spec in specs}
    time.sleep(interval_s)
    return tuple(
        judge_stage(spec.name, spec.group, before[spec.name], _sample(admin, spec), interval_s)
        for spec in specs
    )


def _kafka_health(admin: AdminClient) -> StoreHealth:
    try:
        brokers = len(admin.list_topics(timeout=_STORE_TIMEOUT_S).brokers)
    except Exception as exc:
        return StoreHealth("kafka", False, f"no metadata ({type(exc).__name__})")
    return StoreHealth("kafka", brokers > 0, f"{brokers} broker(s)")


def _opensearch_health(url: str, ca_file: str, alias: str) -> StoreHealth:
    client = connect(url, timeout_s=_STORE_TIMEOUT_S, retries=False, ca_file=ca_file)
    try:
        health = client.cluster.health()
        exists = client.indices.exists_alias(index=alias, name=alias)  # on itself: no wider right
    except Exception as exc:
        return StoreHealth("opensearch", False, f"no answer ({type(exc).__name__})")
    finally:
        client.close()
    colour = str(health.get("status", "unknown"))
    ok = colour in {"green", "yellow"} and bool(exists)
    return StoreHealth("opensearch", ok, f"cluster {colour}, alias {alias} "
                       f"{'present' if exists else 'missing'}")  # fmt: skip


def _review_counts(dsn: str, schema: str) -> tuple[StoreHealth, int | None, int | None]:
    where = quoted_schema(schema, setting="MCR_IDENTITY_SCHEMA")
    try:
        with psycopg.connect(dsn, connect_timeout=int(_STORE_TIMEOUT_S), autocommit=True) as conn:
            row = conn.execute(  # the schema is checked by quoted_schema
                f"SELECT (SELECT count(*) FROM {where}.review_queue WHERE status = 'pending'),"  # noqa: S608
                f" (SELECT count(*) FROM {where}.held_events WHERE released_at IS NULL)"
            ).fetchone()
    except psycopg.errors.UndefinedTable:
        return StoreHealth("postgresql", True, "answering; no identity schema yet"), None, None
    except psycopg.Error as exc:
        return StoreHealth("postgresql", False, f"no answer ({type(exc).__name__})"), None, None
    pending, held = (int(row[0]), int(row[1])) if row else (0, 0)
    return StoreHealth("postgresql", True, "answering"), pending, held


def collect_status(
    targets: StatusTargets, specs: Sequence[StageSpec], *, interval_s: float
) -> PipelineStatus:
    """Everything ``mcr status`` shows, sampled over ``interval_s`` seconds."""
    admin = AdminClient(targets.kafka.config())
    kafka = _kafka_health(admin)
    problems: list[str] = []
    stages: tuple[StageReport, ...] = ()
    letters: tuple[dict[str, object], ...] = ()
    if kafka.ok:
        try:
            stages = _stages(admin, specs, interval_s)
            redriven = read_redriven(targets.kafka, targets.redrive_log_topic)
            found = read_letters(targets.kafka, targets.dlq_topic)
            letters = tuple(summarise(found, redriven))
        except Exception as exc:  # OpsError or a broker error: still show the stores
            problems.append(f"kafka: could not read groups or dead letters ({type(exc).__name__})")
    postgres, pending, held = _review_counts(targets.postgres_dsn, targets.identity_schema)
    opensearch = _opensearch_health(
        targets.opensearch_url, targets.opensearch_ca_file, targets.record_alias
    )
    return PipelineStatus(stages, (kafka, postgres, opensearch), letters, pending, held,
                          tuple(problems))  # fmt: skip
