"""The per-user token bucket: a burst of ``per_minute``, then refill over time."""

from __future__ import annotations

import pytest

from consumers.api.rate_limit import TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_user_gets_per_minute_tokens_then_waits() -> None:
    """Three a minute: three allowed at once, the fourth told to wait 20 s; others unaffected."""
    clock = Clock()
    bucket = TokenBucket(3, clock=clock)

    taken = [bucket.take("u1") for _ in range(4)]

    assert taken == [0, 0, 0, 20]
    assert bucket.take("u2") == 0


def test_tokens_come_back_over_time() -> None:
    """After 20 s one token is back (3/min), not more."""
    clock = Clock()
    bucket = TokenBucket(3, clock=clock)
    for _ in range(3):
        bucket.take("u1")

    clock.now += 20

    assert [bucket.take("u1"), bucket.take("u1")] == [0, 20]


def test_idle_buckets_are_forgotten() -> None:
    """A user idle long enough to be full again holds no memory."""
    clock = Clock()
    bucket = TokenBucket(3, clock=clock)
    bucket.take("u1")

    clock.now += 61
    bucket.take("u2")

    assert list(bucket._buckets) == ["u2"]


def test_a_rate_below_one_is_refused() -> None:
    """Zero per minute is a configuration error, not a silent block."""
    with pytest.raises(ValueError, match="per_minute"):
        TokenBucket(0)
