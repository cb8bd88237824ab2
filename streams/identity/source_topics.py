"""Find the source topics identity reads: each organisation's ``mcr.source.<ODS>`` and the
query service's asserted topic.

faust cannot subscribe by pattern (its aiokafka driver subscribes to names), so the worker
lists the topics matching the pattern at start and again every ``topic_refresh_s`` seconds,
and adds new ones to its subscription: an organisation provisioned while the pipeline runs is
read within seconds. The broker lists only the topics this principal may describe.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from confluent_kafka.admin import AdminClient

from mcr.core.kafka_client import KafkaClientSettings

__all__ = ["list_source_topics", "matching", "new_topics"]

_TIMEOUT_S = 10.0


def matching(names: Iterable[str], pattern: str) -> list[str]:
    """The names that match ``pattern``, sorted."""
    compiled = re.compile(pattern)
    return sorted(name for name in names if compiled.fullmatch(name))


def new_topics(subscribed: Iterable[str], found: Iterable[str]) -> list[str]:
    """The names in ``found`` not yet in ``subscribed``, sorted."""
    known = set(subscribed)
    return sorted(set(found) - known)


def list_source_topics(
    kafka: KafkaClientSettings, pattern: str, *, admin: AdminClient | None = None
) -> list[str]:
    """The topics on the cluster matching ``pattern`` (raises KafkaException when the broker
    does not answer within 10 s), asked through ``admin`` when given (a worker looking every
    few seconds keeps one client rather than log in anew each time)."""
    admin = admin or AdminClient(kafka.config())
    return matching(admin.list_topics(timeout=_TIMEOUT_S).topics, pattern)
