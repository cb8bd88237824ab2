"""What waits for each stage of this streams worker: the ``mcr_consumer_lag{stage}`` gauge.

Lag is measured as ``mcr status`` and the cluster's autoscaler see it: the end of each
partition this worker is assigned, minus the group's committed offset there (a partition never
committed counts from its earliest offset). Each stage is reported, 0 when this worker holds
none of its partitions, so several workers in one group add up to the group's lag.

:func:`lag_by_stage` is pure. :class:`LagReporter` reads the broker (three admin requests per
report, on the caller's thread: the worker runs it in a thread from a faust timer, so the event
loop never waits for Kafka) and sets the gauge.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import (  # type: ignore[attr-defined]  # OffsetSpec: not in __all__
    AdminClient,
    OffsetSpec,
)

from mcr.core.kafka_client import KafkaClientSettings
from mcr.core.logging import get_logger
from mcr.core.metrics import CONSUMER_LAG

__all__ = ["STAGES", "LagReporter", "lag_by_stage", "stage_classifier"]

STAGES = ("identity", "consent")
Partition = tuple[str, int]
StageOf = Callable[[str], str | None]
_TIMEOUT_S = 10.0
log = get_logger(__name__)


def stage_classifier(*, source_pattern: str, consent_topics: Iterable[str]) -> StageOf:
    """Which stage reads a topic: identity the source topics (``source_pattern``), consent
    ``consent_topics``; None for any other (faust's own topics)."""
    sources = re.compile(source_pattern)
    consent = frozenset(consent_topics)

    def stage_of(topic: str) -> str | None:
        if sources.fullmatch(topic):
            return "identity"
        return "consent" if topic in consent else None

    return stage_of


def lag_by_stage(
    assigned: Iterable[Partition],
    *,
    committed: Mapping[Partition, int | None],
    earliest: Mapping[Partition, int],
    ends: Mapping[Partition, int],
    stage_of: StageOf,
) -> dict[str, int]:
    """Messages waiting per stage on the ``assigned`` partitions: end minus committed (from
    the earliest offset where nothing valid was committed); every stage of :data:`STAGES`."""
    waiting = dict.fromkeys(STAGES, 0)
    for partition in assigned:
        stage = stage_of(partition[0])
        if stage is None or partition not in ends:
            continue
        done = committed.get(partition)
        start = done if done is not None and done >= 0 else earliest.get(partition, 0)
        waiting[stage] += max(ends[partition] - start, 0)
    return waiting


class LagReporter:
    """Reads the group's committed offsets and the ends of given partitions, sets the gauge."""

    def __init__(self, kafka: KafkaClientSettings, *, group: str, stage_of: StageOf) -> None:
        self._admin = AdminClient(kafka.config())
        self._group, self._stage_of = group, stage_of

    def report(self, assigned: Iterable[Partition]) -> dict[str, int] | None:
        """Set ``mcr_consumer_lag`` for each stage from the broker; returns what it set, or
        None when Kafka did not answer (the gauge keeps its last value; logged)."""
        mine = [p for p in assigned if self._stage_of(p[0]) is not None]
        try:
            waiting = lag_by_stage(
                mine,
                committed=self._committed(mine),
                earliest=self._offsets(mine, OffsetSpec.earliest()),  # type: ignore[no-untyped-call]
                ends=self._offsets(mine, OffsetSpec.latest()),  # type: ignore[no-untyped-call]
                stage_of=self._stage_of,
            )
        except (KafkaException, TimeoutError) as exc:
            name = exc.args[0].name() if isinstance(exc, KafkaException) else "timeout"
            log.warning("consumer lag not read", error_type=name)
            return None
        for stage, value in waiting.items():
            CONSUMER_LAG.labels(stage=stage).set(value)
        return waiting

    def _committed(self, partitions: list[Partition]) -> dict[Partition, int | None]:
        if not partitions:
            return {}
        request = ConsumerGroupTopicPartitions(
            self._group, [TopicPartition(t, p) for t, p in partitions]
        )
        futures = self._admin.list_consumer_group_offsets([request], request_timeout=_TIMEOUT_S)
        result = futures[self._group].result(timeout=_TIMEOUT_S)
        return {(tp.topic, tp.partition): tp.offset for tp in result.topic_partitions or []}

    def _offsets(self, partitions: list[Partition], spec: OffsetSpec) -> dict[Partition, int]:
        if not partitions:
            return {}
        futures = self._admin.list_offsets(
            {TopicPartition(t, p): spec for t, p in partitions}, request_timeout=_TIMEOUT_S
        )
        return {
            (tp.topic, tp.partition): f.result(timeout=_TIMEOUT_S).offset
            for tp, f in futures.items()
        }
