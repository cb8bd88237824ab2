"""Who may do what on Kafka: the principals and their ACLs, as values (no I/O here).

The broker denies everything no ACL allows (``allow.everyone.if.no.acl.found=false``); the
admin and the broker itself are super users. Every other principal gets exactly the rows
below; ``docs/security.md`` shows the same table. Topic names take the deployment's topic
prefix (``MCR_TOPIC_PREFIX``), so a prefixed topic space (tests, benchmarks, sandboxes) is
granted with the same function.

An organisation's grant is LITERAL on its own topic, not PREFIXED: a prefix ``mcr.source.RC9``
would also match ``mcr.source.RC9X``, another organisation's topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from schemas.events import (
    ASSERTED_SOURCE_TOPIC,
    DLQ_TOPIC,
    IDENTITY_CHANGES_TOPIC,
    LINKED_TOPIC,
    PLANNING_TOPIC,
    SHARED_TOPIC,
    SOURCE_TOPIC_PREFIX,
    organisation_topic,
)

__all__ = [
    "ADMIN",
    "ANCHOR_TOPIC",
    "ANONYMOUS",
    "BENCH",
    "BROKER",
    "COMPONENTS",
    "OPS",
    "PLANNING",
    "PLANNING_GROUP",
    "PROJECTION",
    "PROJECTION_GROUP",
    "QUERY",
    "REDRIVE_LOG_TOPIC",
    "STREAMS",
    "STREAMS_APP_ID",
    "Acl",
    "Op",
    "Pattern",
    "Resource",
    "bench_acls",
    "component_acls",
    "organisation_acls",
    "organisation_principal",
    "owned_by",
]

ADMIN = "mcr-admin"
"""Super user: stack bootstrap, topic creation, provisioning, the tests' default client."""
BROKER = "mcr-broker"
"""Super user: the broker itself (inter-broker SCRAM, controller mTLS certificate)."""
STREAMS = "mcr-streams"
PROJECTION = "mcr-projection"
PLANNING = "mcr-planning"
"""The planning store worker: reads only de-identified events (``mcr.planning``)."""
QUERY = "mcr-query"
OPS = "mcr-ops"
BENCH = "mcr-bench"
ANONYMOUS = "ANONYMOUS"
"""Kafka's name for a client of a PLAINTEXT listener: only the opt-in benchmark listener."""
COMPONENTS: tuple[str, ...] = (STREAMS, PROJECTION, PLANNING, QUERY, OPS, BENCH)
"""The pipeline's own principals (each process the project starts runs as one of them)."""

STREAMS_APP_ID = "mcr-streams"
PROJECTION_GROUP = "mcr-projection-record"
PLANNING_GROUP = "mcr-projection-planning"
ANCHOR_TOPIC = "mcr.audit.anchors"
REDRIVE_LOG_TOPIC = "mcr.dlq.redriven"
_ORG_PREFIX = "org-"


class Resource(StrEnum):
    TOPIC = "TOPIC"
    GROUP = "GROUP"


class Pattern(StrEnum):
    LITERAL = "LITERAL"
    PREFIXED = "PREFIXED"


class Op(StrEnum):
    READ = "READ"
    WRITE = "WRITE"
    CREATE = "CREATE"
    DESCRIBE = "DESCRIBE"
    DELETE = "DELETE"
    ALL = "ALL"


@dataclass(frozen=True)
class Acl:
    """One ALLOW rule: ``principal`` (a user name) may ``op`` on ``resource`` ``name``."""

    principal: str
    resource: Resource
    pattern: Pattern
    name: str
    op: Op


def organisation_principal(ods_code: str) -> str:
    """The Kafka user of organisation ``ods_code`` (``org-<ODS>``); ValueError for a code
    that is not an ODS code."""
    organisation_topic(ods_code)  # validates the code
    return f"{_ORG_PREFIX}{ods_code}"


def organisation_acls(ods_code: str, *, topic_prefix: str = "") -> list[Acl]:
    """An organisation may write (and describe) its own source topic, nothing else."""
    user, topic = (
        organisation_principal(ods_code),
        organisation_topic(ods_code, prefix=topic_prefix),
    )
    return [_topic(user, Pattern.LITERAL, topic, op) for op in (Op.WRITE, Op.DESCRIBE)]


def component_acls(
    topic_prefix: str = "",
    *,
    streams_app_id: str = STREAMS_APP_ID,
    projection_group: str = PROJECTION_GROUP,
    planning_group: str = PLANNING_GROUP,
) -> list[Acl]:
    """Every component principal's rules for the topic space after ``topic_prefix``."""
    p = topic_prefix
    sources, linked, changes = p + SOURCE_TOPIC_PREFIX, p + LINKED_TOPIC, p + IDENTITY_CHANGES_TOPIC
    shared, dlq, asserted = p + SHARED_TOPIC, p + DLQ_TOPIC, p + ASSERTED_SOURCE_TOPIC
    planning = p + PLANNING_TOPIC
    rules = [
        # streams worker (identity, consent, de-identification; the withdrawal restore reads
        # mcr.linked under a group named after its app id) and faust's own topics
        *_topics(STREAMS, Pattern.PREFIXED, sources, Op.READ, Op.DESCRIBE),
        *_topics(STREAMS, Pattern.LITERAL, linked, Op.READ, Op.WRITE, Op.DESCRIBE),
        *_topics(STREAMS, Pattern.LITERAL, changes, Op.READ, Op.WRITE, Op.DESCRIBE),
        *_topics(STREAMS, Pattern.LITERAL, shared, Op.WRITE, Op.DESCRIBE),
        *_topics(STREAMS, Pattern.LITERAL, planning, Op.WRITE, Op.DESCRIBE),
        *_topics(STREAMS, Pattern.LITERAL, dlq, Op.WRITE, Op.DESCRIBE),
        _topic(STREAMS, Pattern.PREFIXED, streams_app_id, Op.ALL),
        *_groups(STREAMS, Pattern.PREFIXED, streams_app_id, Op.READ, Op.DESCRIBE),
        # record projection
        *_topics(PROJECTION, Pattern.LITERAL, shared, Op.READ, Op.DESCRIBE),
        *_topics(PROJECTION, Pattern.LITERAL, changes, Op.READ, Op.DESCRIBE),
        *_topics(PROJECTION, Pattern.LITERAL, dlq, Op.WRITE, Op.DESCRIBE),
        *_groups(PROJECTION, Pattern.PREFIXED, projection_group, Op.READ, Op.DESCRIBE),
        # planning store: de-identified events only, never a record topic
        *_topics(PLANNING, Pattern.LITERAL, planning, Op.READ, Op.DESCRIBE),
        *_topics(PLANNING, Pattern.LITERAL, dlq, Op.WRITE, Op.DESCRIBE),
        *_groups(PLANNING, Pattern.PREFIXED, planning_group, Op.READ, Op.DESCRIBE),
        # query service: audit anchors, viewer-recorded objections (it asserts the org)
        *_topics(
            QUERY, Pattern.LITERAL, p + ANCHOR_TOPIC, Op.CREATE, Op.READ, Op.WRITE, Op.DESCRIBE
        ),
        *_topics(QUERY, Pattern.LITERAL, asserted, Op.WRITE, Op.DESCRIBE),
        # operators' tools: read the pipeline, re-drive dead letters to where they came from,
        # move any group's offsets (replay), rebuild
        *_topics(OPS, Pattern.PREFIXED, p + "mcr.", Op.READ, Op.DESCRIBE),
        *_topics(OPS, Pattern.PREFIXED, sources, Op.WRITE),
        *_topics(OPS, Pattern.LITERAL, linked, Op.WRITE),
        *_topics(OPS, Pattern.LITERAL, shared, Op.WRITE),
        *_topics(OPS, Pattern.LITERAL, planning, Op.WRITE),
        *_topics(OPS, Pattern.LITERAL, dlq, Op.WRITE),
        *_topics(OPS, Pattern.LITERAL, p + REDRIVE_LOG_TOPIC, Op.CREATE, Op.WRITE),
        *_groups(OPS, Pattern.LITERAL, "*", Op.READ, Op.DESCRIBE, Op.DELETE),
    ]
    return rules


def owned_by(acls: list[Acl], *names: str) -> list[Acl]:
    """The rules on resources named after one of ``names`` (a throwaway space's prefix, app
    id, groups): what may be revoked with the space. Rules on shared names (the operators'
    ``*`` groups, the default projection group) are left out, so removing a test or benchmark
    space never takes a rule away from the running pipeline."""
    return [acl for acl in acls if names and acl.name.startswith(names)]


def bench_acls(space_prefix: str, *, principal: str = BENCH) -> list[Acl]:
    """The benchmark: everything inside its own topic space and groups, nothing else."""
    return [
        _topic(principal, Pattern.PREFIXED, space_prefix, Op.ALL),
        *_groups(principal, Pattern.PREFIXED, space_prefix, Op.READ, Op.DESCRIBE, Op.DELETE),
    ]


def _topic(user: str, pattern: Pattern, name: str, op: Op) -> Acl:
    return Acl(user, Resource.TOPIC, pattern, name, op)


def _topics(user: str, pattern: Pattern, name: str, *ops: Op) -> list[Acl]:
    return [_topic(user, pattern, name, op) for op in ops]


def _groups(user: str, pattern: Pattern, name: str, *ops: Op) -> list[Acl]:
    return [Acl(user, Resource.GROUP, pattern, name, op) for op in ops]
