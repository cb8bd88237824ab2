"""Sending dead letters with confluent-kafka (the record projection and the ops tools).

The headers are the pipeline-wide contract (:mod:`schemas.dead_letters`); this is the thin
producer around them. The sender never drops a letter: ``ensure_delivered`` re-sends what
failed and raises :class:`DeadLetterError` when the broker still does not acknowledge, so the
caller retries and does not commit the offset of a message whose dead letter is not safe.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol

from mcr.core.errors import McrError
from schemas.dead_letters import DeadLetter, dead_letter_headers

__all__ = ["DeadLetterError", "DeadLetterSender"]


class DeadLetterError(McrError):
    """Dead letters could not be delivered to the dead-letter topic."""


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
