"""A per-user token bucket, in memory. Pure (the clock is passed in).

Each user has a bucket of ``per_minute`` tokens that refills continuously at ``per_minute``
tokens a minute; a request takes one. An empty bucket refuses, saying how many seconds until a
token is back. Buckets of users idle long enough to be full again are dropped, so memory stays
bounded by the users active in the last minute. One process, one set of buckets: several
service processes each allow the rate (a shared limit is a gateway's job).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["TokenBucket"]


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBucket:
    """Per-key token buckets of ``per_minute`` tokens; safe to share between threads."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute < 1:
            raise ValueError("per_minute: expected at least 1")
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> int:
        """Take a token for ``key``: 0 when allowed, else the whole seconds to wait."""
        with self._lock:
            now = self._clock()
            self._forget_full(now)
            bucket = self._buckets.setdefault(key, _Bucket(self._capacity, now))
            bucket.tokens = min(self._capacity, bucket.tokens + (now - bucket.at) * self._rate)
            bucket.at = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0
            return max(1, math.ceil((1 - bucket.tokens) / self._rate))

    def _forget_full(self, now: float) -> None:
        full_after = self._capacity / self._rate
        idle = [key for key, b in self._buckets.items() if now - b.at >= full_after]
        for key in idle:
            del self._buckets[key]
