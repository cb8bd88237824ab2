"""Dead letters for the whole pipeline: an event that can never be processed goes to
``mcr.dlq`` with its original bytes, key and headers, plus why, where and from which stage.

``dead_letter_headers`` and ``reason_of`` are pure; :class:`DeadLetterSender` is the thin
producer around them. The sender never drops a letter: ``ensure_delivered`` re-sends what
failed and raises :class:`DeadLetterError` when the broker still does not acknowledge, so the
caller retries and does not commit the offset of a message whose dead letter is not safe.

Reason header: the error class, plus ``:<field path>`` when the error names one
(``DocumentError:header.record_version``). Never a value: values may be PHI.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

from mcr.core.errors import McrError
from schemas.events import (
    DLQ_OFFSET,
    DLQ_PARTITION,
    DLQ_REASON,
    DLQ_STAGE,
    DLQ_TOPIC_HEADER,
)

__all__ = [
    "DLQ_HEADER_NAMES",
    "DeadLetter",
    "DeadLetterError",
    "DeadLetterSender",
    "Headers",
    "dead_letter_headers",
    "reason_of",
]

Headers = list[tuple[str, bytes]]
DLQ_HEADER_NAMES = frozenset({DLQ_REASON, DLQ_STAGE, DLQ_TOPIC_HEADER, DLQ_PARTITION, DLQ_OFFSET})
_FIELD_ATTRIBUTES = ("field", "path")


class DeadLetterError(McrError):
    """Dead letters could not be delivered to the dead-letter topic."""


@dataclass(frozen=True)
class DeadLetter:
    """One message that a stage gives up on, and where it came from."""

    value: bytes | None
    key: bytes | None
    headers: Headers
    topic: str
    partition: int
    offset: int
    reason: str


def reason_of(error: BaseException) -> str:
    """``<ErrorClass>`` or ``<ErrorClass>:<field>`` for errors that carry a field path."""
    for attribute in _FIELD_ATTRIBUTES:
        field = getattr(error, attribute, None)
        if isinstance(field, str) and field:
            return f"{type(error).__name__}:{field}"
    return type(error).__name__


def dead_letter_headers(letter: DeadLetter, *, stage: str) -> Headers:
    """The original headers (minus any earlier DLQ headers) followed by the DLQ headers."""
    kept = [(name, value) for name, value in letter.headers if name not in DLQ_HEADER_NAMES]
    return [
        *kept,
        (DLQ_REASON, letter.reason.encode()),
        (DLQ_STAGE, stage.encode()),
        (DLQ_TOPIC_HEADER, letter.topic.encode()),
        (DLQ_PARTITION, str(letter.partition).encode()),
        (DLQ_OFFSET, str(letter.offset).encode()),
    ]


class _Producer(Protocol):
    def produce(self, topic: str, *args: Any, **kwargs: Any) -> None: ...
    def poll(self, timeout: float = ...) -> int: ...
    def flush(self, timeout: float = ...) -> int: ...


class DeadLetterSender:
    """Sends dead letters with a confluent-kafka ``Producer``; keeps each until acknowledged."""

    def __init__(self, producer: _Producer, *, topic: str, stage: str) -> None:
        self._producer = producer
        self._topic = topic
        self._stage = stage
        self._lock = threading.Lock()
        self._failed: list[DeadLetter] = []
        self.sent = 0

    def send(self, letter: DeadLetter) -> None:
        """Queue ``letter`` for the dead-letter topic (delivery is confirmed by ensure_delivered).

        Raises DeadLetterError when the producer's local queue is full (retry later).
        """
        try:
            self._producer.produce(
                self._topic,
                value=letter.value,
                key=letter.key,
                headers=dead_letter_headers(letter, stage=self._stage),
                on_delivery=lambda err, _msg: self._delivered(err, letter),
            )
        except BufferError as exc:
            raise DeadLetterError("dead-letter producer queue full") from exc
        self._producer.poll(0)

    def ensure_delivered(self, timeout_s: float = 10.0) -> None:
        """Wait until every queued letter is acknowledged, re-sending failures once.

        Raises DeadLetterError when letters are still undelivered after ``timeout_s``.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = self._producer.flush(max(0.0, deadline - time.monotonic()))
            retry = self._take_failed()
            if not retry and remaining == 0:
                return
            if time.monotonic() >= deadline:
                with self._lock:
                    self._failed.extend(retry)
                raise DeadLetterError(f"{len(retry) + remaining} dead letters undelivered")
            for letter in retry:
                self.send(letter)

    def _delivered(self, err: object, letter: DeadLetter) -> None:
        with self._lock:
            if err is None:
                self.sent += 1
            else:
                self._failed.append(letter)

    def _take_failed(self) -> list[DeadLetter]:
        with self._lock:
            failed, self._failed = self._failed, []
        return failed
