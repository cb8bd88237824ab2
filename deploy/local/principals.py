"""The local stack's Kafka principals: component users, their ACLs and topics, organisations.

Run as the admin once Kafka answers (``mcr stack up``), and by anything that makes a prefixed
topic space (tests, benchmarks, sandboxes) for that prefix. Each password lives in
``<run dir>/secrets/kafka/<user>.password`` (0600) and is made once; the broker's SCRAM
credential is set from the file on every call, so the file is what counts.
"""

from __future__ import annotations

from collections.abc import Iterable

from confluent_kafka.admin import AdminClient
from pydantic import SecretStr

from deploy.local.errors import StackError
from deploy.local.secrets import ensure_password
from deploy.local.settings import StackSettings
from deploy.local.topics import ensure_topics
from mcr.core.errors import McrError
from mcr.core.kafka_acls import (
    COMPONENTS,
    PROJECTION_GROUP,
    STREAMS_APP_ID,
    component_acls,
    organisation_acls,
    organisation_principal,
)
from mcr.core.kafka_principals import (
    SOURCE_PARTITIONS,
    KafkaCredentials,
    apply_acls,
    upsert_users,
)
from mcr.core.topic_admin import create_missing_topics
from schemas.events import organisation_topic

__all__ = ["ensure_components", "ensure_organisations", "grant_topic_space"]


def ensure_components(settings: StackSettings) -> None:
    """Every component principal with its password file, its ACLs and the pipeline topics."""
    admin = _admin(settings)
    try:
        upsert_users(admin, [_from_file(settings, user) for user in COMPONENTS])
        apply_acls(admin, component_acls())
    except McrError as exc:
        raise StackError(f"Kafka principals: {exc}") from exc
    ensure_topics(settings.kafka_admin)


def grant_topic_space(
    settings: StackSettings,
    topic_prefix: str,
    *,
    streams_app_id: str = STREAMS_APP_ID,
    projection_group: str = PROJECTION_GROUP,
) -> None:
    """Grant the component principals their rules inside the topic space ``topic_prefix``."""
    acls = component_acls(
        topic_prefix, streams_app_id=streams_app_id, projection_group=projection_group
    )
    apply_acls(_admin(settings), acls)


def ensure_organisations(
    settings: StackSettings,
    codes: Iterable[str],
    *,
    topic_prefix: str = "",
    partitions: int = SOURCE_PARTITIONS,
) -> None:
    """Each organisation's source topic, SCRAM user (password file kept when present) and
    ACLs, in three batched admin calls whatever the number of organisations."""
    codes = sorted(set(codes))
    admin = _admin(settings)
    topics = [organisation_topic(code, prefix=topic_prefix) for code in codes]
    create_missing_topics(settings.kafka_admin, topics, partitions=partitions)
    upsert_users(admin, [_from_file(settings, organisation_principal(c)) for c in codes])
    apply_acls(admin, [a for c in codes for a in organisation_acls(c, topic_prefix=topic_prefix)])


def _from_file(settings: StackSettings, user: str) -> KafkaCredentials:
    path = ensure_password(settings.kafka_password_file(user))
    return KafkaCredentials(user, SecretStr(path.read_text().strip()))


def _admin(settings: StackSettings) -> AdminClient:
    return AdminClient(settings.kafka_admin.config())
