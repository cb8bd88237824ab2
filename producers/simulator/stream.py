"""Publishing a generated region: a token-bucket rate limiter and the publish loop.

The Kafka side is the producer SDK (``producers.sdk.Publisher``), imported only when
:func:`open_publisher` is called, so generation and dry runs never load a Kafka client.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Protocol

from producers.simulator.errors import PublisherUnavailableError, SimulationRequestError
from producers.simulator.generator import PersonRecords
from schemas.events import SourceEvent


class EventSink(Protocol):
    """What the publish loop needs from a publisher (``producers.sdk.Publisher`` has it)."""

    def publish(self, event: SourceEvent) -> None: ...

    def flush(self, timeout: float = ...) -> object: ...


class TokenBucket:
    """Allows ``rate`` events a second on average, with bursts of at most ``burst``.

    :meth:`acquire` takes tokens, sleeping first when there are not enough. Time and sleep
    are injectable so tests run on a fake clock.
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise SimulationRequestError("rate: must be more than 0 events per second")
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, rate / 10)
        self._clock, self._sleep = clock, sleep
        self._tokens = self.capacity
        self._last = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
        self._last = now

    def acquire(self, tokens: float = 1.0) -> float:
        """Take ``tokens``, waiting as long as needed; returns the seconds slept."""
        self._refill()
        waited = 0.0
        if self._tokens < tokens:
            waited = (tokens - self._tokens) / self.rate
            self._sleep(waited)
            self._refill()
        # A short sleep leaves a small debt that the next refill pays: the average rate holds.
        self._tokens -= tokens
        return waited


def publish_region(
    people: Iterable[PersonRecords],
    sink: EventSink,
    *,
    limiter: TokenBucket | None = None,
    on_person: Callable[[PersonRecords], None] | None = None,
) -> int:
    """Publish every person's events in order (rate-limited when ``limiter`` is given).

    ``on_person`` runs after each person's events were handed over (to count, to write truth
    rows). Returns how many events were published; the caller flushes.
    """
    sent = 0
    for person in people:
        for event in person.events:
            if limiter is not None:
                limiter.acquire()
            sink.publish(event)
            sent += 1
        if on_person is not None:
            on_person(person)
    return sent


@contextmanager
def open_publisher(topic: str | None = None) -> Iterator[EventSink]:
    """Producer SDK publishers configured from the environment, one per organisation, each
    as that organisation's principal (``PublisherFleet``), closed (flushed) on exit.

    ``topic`` sends every event to one topic (tests). Raises PublisherUnavailableError
    when ``producers.sdk`` is not installed.
    """
    try:
        from producers.sdk import PublisherConfig  # noqa: PLC0415 (Kafka stays lazy)
        from producers.sdk.fleet import PublisherFleet  # noqa: PLC0415
    except ImportError as exc:
        raise PublisherUnavailableError("producers.sdk: not importable; use --dry-run") from exc
    with PublisherFleet(PublisherConfig.from_env(), topic=topic) as publisher:
        yield publisher
