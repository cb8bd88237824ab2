"""``mcr dlq``: read the dead-letter topic and re-drive chosen letters, once. Thin I/O around
:mod:`consumers.ops.dead_letters`.

A re-drive sends the original message to the partition it failed on, waits until Kafka has
it, then records the re-drive on the log topic (compacted, kept forever). If the process dies
between the two, the letter may be sent twice: harmless downstream (every stage is idempotent
on source record versions), and the log still shows it once. Two operators re-driving the same
letters at the same moment are not guarded against: agree who does it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from confluent_kafka import Producer

from consumers.ops.dead_letters import Letter, letter_of, redrive_headers, redrive_key
from consumers.ops.errors import OpsError
from mcr.core.kafka_client import KafkaClientSettings
from mcr.core.topic_admin import TopicCreateError, create_missing_topics
from mcr.core.topic_reader import TopicReadError, read_topic

__all__ = ["RedriveResult", "read_letters", "read_redriven", "redrive"]


def read_letters(kafka: KafkaClientSettings, dlq_topic: str) -> list[Letter]:
    """Every letter on ``dlq_topic`` now ([] when the topic does not exist yet)."""
    try:
        return [letter_of(m) for m in read_topic(kafka, dlq_topic, missing_ok=True)]
    except TopicReadError as exc:
        raise OpsError(f"dead letters: {exc}") from exc


def read_redriven(kafka: KafkaClientSettings, log_topic: str) -> frozenset[str]:
    """Positions (``<partition>:<offset>``) of every letter re-driven so far."""
    try:
        messages = read_topic(kafka, log_topic, missing_ok=True)
        return frozenset((m.key or b"").decode() for m in messages if m.value is not None)
    except TopicReadError as exc:
        raise OpsError(f"re-drive log: {exc}") from exc


@dataclass(frozen=True)
class RedriveResult:
    """What a re-drive did: letters sent, and letters left alone (already re-driven, or with
    no known topic to go back to)."""

    sent: tuple[str, ...]
    already: tuple[str, ...]
    unknown_topic: tuple[str, ...]


def _ensure_log_topic(kafka: KafkaClientSettings, topic: str) -> None:
    try:
        create_missing_topics(kafka, [topic], family="dlq_redriven")  # schemas/topics.toml
    except TopicCreateError as exc:
        raise OpsError(f"re-drive log: {topic} could not be created") from exc


def _send(producer: Producer, topic: str, **message: object) -> None:
    producer.produce(topic, **message)  # type: ignore[arg-type]
    if producer.flush(30) != 0:
        raise OpsError(f"re-drive: {topic} did not acknowledge in 30 s; nothing recorded")


def redrive(
    kafka: KafkaClientSettings,
    letters: Sequence[Letter],
    *,
    dlq_topic: str,
    log_topic: str,
    redriven: frozenset[str],
) -> RedriveResult:
    """Send each of ``letters`` back where it failed, once; raises OpsError when Kafka does
    not acknowledge (what was sent before is recorded)."""
    _ensure_log_topic(kafka, log_topic)
    producer = Producer(kafka.config(**{"enable.idempotence": True}))
    sent: list[str] = []
    for letter in letters:
        if letter.position in redriven or not letter.topic:
            continue
        target: dict[str, object] = {"key": letter.key, "value": letter.value,
                                     "headers": redrive_headers(letter, dlq_topic)}  # fmt: skip
        if letter.partition is not None:
            target["partition"] = letter.partition
        _send(producer, letter.topic, **target)
        record = {
            "redriven_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "to_topic": letter.topic,
            "stage": letter.stage,
            "reason": letter.reason,
        }
        _send(producer, log_topic, key=redrive_key(letter), value=json.dumps(record).encode())
        sent.append(letter.position)
    return RedriveResult(
        tuple(sent),
        tuple(letter.position for letter in letters if letter.position in redriven),
        tuple(letter.position for letter in letters
              if not letter.topic and letter.position not in redriven),
    )  # fmt: skip
