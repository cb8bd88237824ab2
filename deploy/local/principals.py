"""The local stack's Kafka principals: component users, their ACLs and topics, organisations.

Run with an admin client's settings once Kafka answers (``mcr stack up``), and by anything that
makes a prefixed topic space (tests, benchmarks, the demo) for that prefix. Each password lives
in ``<MCR_KAFKA_SECRETS_DIR>/<user>.password`` (0600) and is made once; the broker's SCRAM
credential is set from the file on every call, so the file is what counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from confluent_kafka.admin import AdminClient
from pydantic import SecretStr

from deploy.local.errors import StackError
from deploy.local.secrets import ensure_password
from deploy.local.topics import align_topics, ensure_topics
from mcr.core.errors import McrError
from mcr.core.kafka_acls import (
    ANONYMOUS,
    COMPONENTS,
    bench_acls,
    organisation_acls,
    organisation_principal,
)
from mcr.core.kafka_client import KafkaClientSettings
from mcr.core.kafka_principals import (
    KafkaCredentials,
    apply_acls,
    grant_components,
    upsert_users,
)
from mcr.core.topic_admin import align_topic_configs, create_missing_topics
from schemas.events import organisation_topic

__all__ = ["BENCH_TOPIC_PREFIX", "ensure_components", "ensure_organisations"]

BENCH_TOPIC_PREFIX = "mcr.bench."
"""The topic space of ``mcr bench produce`` (written as the ``mcr-bench`` principal)."""


def ensure_components(admin: KafkaClientSettings, *, plaintext_bench: bool = False) -> None:
    """Every component principal with its password file, its ACLs and the pipeline topics."""
    client = AdminClient(admin.config())
    try:
        upsert_users(client, [_from_file(admin, user) for user in COMPONENTS])
        grant_components(client)
        apply_acls(client, bench_acls(BENCH_TOPIC_PREFIX))
        if plaintext_bench:  # the benchmark's anonymous PLAINTEXT clients: its topics only
            apply_acls(client, bench_acls(BENCH_TOPIC_PREFIX, principal=ANONYMOUS))
    except McrError as exc:
        raise StackError(f"Kafka principals: {exc}") from exc
    ensure_topics(admin)
    align_topics(admin)


def ensure_organisations(
    admin: KafkaClientSettings,
    codes: Iterable[str],
    *,
    topic_prefix: str = "",
    partitions: int | None = None,
) -> None:
    """Each organisation's source topic (settings from ``schemas/topics.toml``; ``partitions``:
    a throwaway space's own count), SCRAM user (password file kept when present) and ACLs, in
    three batched admin calls whatever the number of organisations. This is the local
    stack's stand-in for the organisation registry (``mcr org add``)."""
    codes = sorted(set(codes))
    client = AdminClient(admin.config())
    topics = [organisation_topic(code, prefix=topic_prefix) for code in codes]
    try:
        create_missing_topics(admin, topics, partitions=partitions)
        align_topic_configs(admin, topics)  # topics an older version made
        upsert_users(client, [_from_file(admin, organisation_principal(c)) for c in codes])
        acls = [a for c in codes for a in organisation_acls(c, topic_prefix=topic_prefix)]
        apply_acls(client, acls)
    except McrError as exc:
        raise StackError(f"organisations: {exc}") from exc


def _from_file(admin: KafkaClientSettings, user: str) -> KafkaCredentials:
    if admin.secrets_dir is None:
        raise StackError("MCR_KAFKA_SECRETS_DIR: not set (where the local passwords live)")
    password = ensure_password(Path(admin.secrets_dir) / f"{user}.password")
    return KafkaCredentials(user, SecretStr(password))
