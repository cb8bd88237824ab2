"""A consumed Kafka message as a plain value, so the pipeline never touches confluent_kafka."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schemas.dead_letters import Headers

__all__ = ["RawMessage", "from_kafka"]


@dataclass(frozen=True)
class RawMessage:
    """Topic, partition, offset, key, value and headers of one consumed message."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers
    timestamp_ms: int = 0
    """The message's Kafka timestamp (0 when unknown)."""

    def header(self, name: str) -> bytes | None:
        """The last value of header ``name``, or None."""
        found = None
        for key, value in self.headers:
            if key == name:
                found = value
        return found

    def text_header(self, name: str) -> str | None:
        """Header ``name`` decoded as UTF-8, or None."""
        value = self.header(name)
        return None if value is None else value.decode("utf-8", errors="replace")

    def int_header(self, name: str) -> int | None:
        """Header ``name`` as a non-negative integer, or None when absent or not digits."""
        text = self.text_header(name)
        return int(text) if text is not None and text.isdigit() else None


def from_kafka(message: Any) -> RawMessage:
    """Copy a confluent-kafka ``Message`` (error-free) into a :class:`RawMessage`."""
    headers = [(name, value or b"") for name, value in (message.headers() or [])]
    return RawMessage(
        topic=message.topic(),
        partition=message.partition(),
        offset=message.offset(),
        key=message.key(),
        value=message.value(),
        headers=headers,
        timestamp_ms=max(0, message.timestamp()[1]),
    )
