"""Rate limiting (token bucket on a fake clock) and the publish loop (with a fake sink)."""

from __future__ import annotations

import pytest

from producers.simulator import PersonRecords, SimulationRequestError, TokenBucket, publish_region
from schemas.events import SourceEvent


class FakeClock:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class ListSink:
    """Keeps what is published."""

    def __init__(self) -> None:
        self.events: list[SourceEvent] = []

    def publish(self, event: SourceEvent) -> None:
        self.events.append(event)

    def flush(self, timeout: float = 30.0) -> int:
        return 0


@pytest.mark.parametrize(
    ("rate", "burst", "events", "expected_seconds"),
    [(100, 10, 1_010, 10.0), (1_000, 100, 5_100, 5.0), (5, 1, 11, 2.0), (50, 50, 50, 0.0)],
)
def test_token_bucket_holds_the_rate(
    rate: float, burst: float, events: int, expected_seconds: float
) -> None:
    """After the initial burst, n events take (n - burst) / rate seconds."""
    clock = FakeClock()
    bucket = TokenBucket(rate, burst=burst, clock=clock, sleep=clock.sleep)
    for _ in range(events):
        bucket.acquire()
    assert clock.now == pytest.approx(expected_seconds)


def test_token_bucket_refills_while_idle() -> None:
    """Tokens saved up while idle are spent without waiting, up to the burst size."""
    clock = FakeClock()
    bucket = TokenBucket(10, burst=5, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        bucket.acquire()
    clock.now += 100  # idle: refills to 5, not 1000
    waited = [bucket.acquire() for _ in range(6)]
    assert waited[:5] == [0.0] * 5 and waited[5] == pytest.approx(0.1)


@pytest.mark.parametrize("rate", [0, -5])
def test_rate_must_be_positive(rate: float) -> None:
    """A non-positive rate is refused, naming the field."""
    with pytest.raises(SimulationRequestError, match="rate: must be more than 0"):
        TokenBucket(rate)


def test_publish_region_sends_every_event_in_order(small_region: list[PersonRecords]) -> None:
    """All events reach the sink in generation order; on_person sees every person after."""
    people = small_region[:20]
    sink, seen = ListSink(), []
    sent = publish_region(people, sink, on_person=lambda p: seen.append(len(sink.events)))
    expected = [e for p in people for e in p.events]
    assert sent == len(expected) and sink.events == expected
    assert seen[-1] == len(expected) and len(seen) == 20


def test_publish_region_is_rate_limited(small_region: list[PersonRecords]) -> None:
    """With a limiter, publishing n events takes about n / rate seconds of (fake) time."""
    clock = FakeClock()
    people = small_region[:5]
    total = sum(len(p.events) for p in people)
    bucket = TokenBucket(200, burst=1, clock=clock, sleep=clock.sleep)
    publish_region(people, ListSink(), limiter=bucket)
    assert clock.now == pytest.approx((total - 1) / 200)
