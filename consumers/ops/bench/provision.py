"""Create one run's topics and MPI schema, and remove everything the run made. Thin I/O.

Removal deletes every topic named with the run's prefix or faust application id (faust adds
its own internal topics), the run's consumer groups, the MPI schema, every index version and
the template behind the run's alias, and the baseline index. It carries on past failures and
returns what it could not remove, so one stuck resource never leaves the others behind.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager

import psycopg
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from opensearchpy import OpenSearch

from consumers.ops.bench.errors import BenchError
from consumers.ops.bench.produce import ORGS
from consumers.ops.bench.space import BenchSpace
from deploy.local.errors import StackError
from deploy.local.principals import ensure_organisations
from deploy.local.topics import ensure_topics
from mcr.core import org_registry
from mcr.core.kafka_acls import component_acls, organisation_acls, owned_by
from mcr.core.kafka_principals import grant_components, revoke
from mcr.core.logging import get_logger
from projections.record.ids import index_pattern, template_name
from streams.identity.connections import connect as connect_mpi
from streams.identity.offline.sandbox import registered

__all__ = ["provisioned", "remove_space"]

TIMEOUT_S = 30.0
GROUP_RETRY_S = 20.0
log = get_logger(__name__)


@contextmanager
def provisioned(space: BenchSpace, client: OpenSearch) -> Iterator[BenchSpace]:
    """The run's topics and migrated MPI schema for the block; everything removed after."""
    try:
        _create_topics(space)
        _grant(space)
        connect_mpi(space.targets.identity_dsn, space.schema).close()
        _seed_registry(space)
        yield space
    finally:
        left = remove_space(space, client)
        if left:
            log.warning("bench cleanup incomplete", count=len(left), detail=", ".join(left))


def remove_space(space: BenchSpace, client: OpenSearch) -> list[str]:
    """Remove everything the run made; returns what could not be removed (names only)."""
    left: list[str] = []
    for step, remove in (
        ("topics", _delete_topics),
        ("groups", _delete_groups),
        ("schema", _drop_schema),
        ("acls", _revoke),
    ):
        try:
            remove(space)
        except Exception as exc:  # cleanup must try every step
            left.append(f"{step}: {exc}")
    try:
        _delete_indices(space, client)
    except Exception as exc:  # cleanup must try every step
        left.append(f"indices: {type(exc).__name__}")
    return left


def _seed_registry(space: BenchSpace) -> None:
    """The run's own registry (its own schema, made by the operators' role as deployed): the
    region plus the run's organisations and the synthetic ones the produce benchmark
    publishes as, all live, so identity admits them."""
    with org_registry.connect(space.targets.operator_dsn, space.registry_schema) as conn:
        org_registry.seed(conn, registered((*ORGS, *space.organisations)))


def _admin(space: BenchSpace) -> AdminClient:
    return AdminClient(space.targets.kafka.config())


def _create_topics(space: BenchSpace) -> None:
    try:
        ensure_topics(space.targets.kafka, names=space.topics, partitions=space.partitions)
        ensure_organisations(space.targets.kafka, space.organisations,
                             topic_prefix=space.prefix, partitions=space.partitions)  # fmt: skip
    except StackError as exc:
        raise BenchError(str(exc)) from exc


def _grant(space: BenchSpace) -> None:
    """The workers' rules in this space (as deployed: each runs as its component)."""
    grant_components(_admin(space), space.prefix, streams_app_id=space.identity_group,
                     projection_group=space.record_group)  # fmt: skip


def _revoke(space: BenchSpace) -> None:
    acls = component_acls(space.prefix, streams_app_id=space.identity_group,
                          projection_group=space.record_group)  # fmt: skip
    acls += [a for org in space.organisations
             for a in organisation_acls(org, topic_prefix=space.prefix)]  # fmt: skip
    owned = (space.prefix, space.identity_group, space.record_group)
    revoke(_admin(space), owned_by(acls, *owned))


def _delete_topics(space: BenchSpace) -> None:
    admin = _admin(space)
    names = [
        topic
        for topic in admin.list_topics(timeout=TIMEOUT_S).topics
        if topic.startswith((space.prefix, space.identity_group))
    ]
    if names:
        for future in admin.delete_topics(names, operation_timeout=TIMEOUT_S).values():
            future.result(timeout=TIMEOUT_S)


def _delete_groups(space: BenchSpace) -> None:
    """Delete the run's groups; a member that was killed keeps its group non-empty until its
    session times out, so that case is retried for :data:`GROUP_RETRY_S`."""
    admin = _admin(space)
    pending = [*space.streams_groups, space.record_group]
    deadline = time.monotonic() + GROUP_RETRY_S
    while pending:
        futures = admin.delete_consumer_groups(pending, request_timeout=TIMEOUT_S)
        pending = [group for group, future in futures.items() if not _deleted(future)]
        if pending and time.monotonic() > deadline:
            raise BenchError(f"groups not deleted (still have members): {', '.join(pending)}")
        if pending:
            time.sleep(1.0)


def _deleted(future: Future[None]) -> bool:
    """True when the group is gone (deleted now, or never created); False when still in use."""
    try:
        future.result(timeout=TIMEOUT_S)
    except KafkaException as exc:
        code = exc.args[0].code() if exc.args else None
        if code == KafkaError.GROUP_ID_NOT_FOUND:
            return True
        if code == KafkaError.NON_EMPTY_GROUP:
            return False
        raise
    return True


def _drop_schema(space: BenchSpace) -> None:
    """Each schema by its owner's role (nobody else may drop it)."""
    owners = ((space.targets.identity_dsn, space.schema),
              (space.targets.consent_dsn, space.consent_schema),
              (space.targets.operator_dsn, space.registry_schema))  # fmt: skip
    for dsn, schema in owners:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _delete_indices(space: BenchSpace, client: OpenSearch) -> None:
    client.indices.delete(
        index=f"{index_pattern(space.alias)},{space.baseline_index}",
        params={"ignore_unavailable": "true", "allow_no_indices": "true"},
    )
    client.indices.delete_index_template(name=template_name(space.alias), ignore=[404])
