"""Latency percentiles and their summary. Pure.

Percentiles interpolate linearly between the closest ranks (numpy's default ``linear``
method), so p50 of ``[1, 2, 3, 4]`` is 2.5 and p100 is the maximum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LatencySummary", "percentile", "summarise_latencies"]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``.

    Raises ValueError when ``values`` is empty or ``q`` is outside 0-100.
    """
    if not values:
        raise ValueError("values: at least one value is needed for a percentile")
    if not 0 <= q <= 100:
        raise ValueError("q: expected a percentile from 0 to 100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class LatencySummary:
    """Produce-to-searchable latencies of the samples that appeared, and the ones that did not.

    ``missing`` counts samples never seen, by reason (``held:review``,
    ``held:awaiting-demographics``, ``dead-letter``, ``consent:<reason>``, ``consent:purged``,
    ``not-delivered``, ``not-linked``, ``not-searchable``: see :class:`outcomes.Fate`).
    """

    samples: int
    seen: int
    p50_ms: float | None
    p90_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    mean_ms: float | None
    missing: Mapping[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The summary as a JSON-able dict (milliseconds rounded to 0.1)."""
        return {
            "samples": self.samples,
            "seen": self.seen,
            "p50_ms": _ms(self.p50_ms),
            "p90_ms": _ms(self.p90_ms),
            "p99_ms": _ms(self.p99_ms),
            "max_ms": _ms(self.max_ms),
            "mean_ms": _ms(self.mean_ms),
            "missing": sum(self.missing.values()),
            "missing_by_reason": dict(sorted(self.missing.items())),
        }


def summarise_latencies(
    latencies_ms: Sequence[float], *, samples: int, missing: Mapping[str, int]
) -> LatencySummary:
    """Percentiles of ``latencies_ms`` (the seen samples) out of ``samples`` taken.

    Percentiles are None when no sample was seen.
    """
    if not latencies_ms:
        return LatencySummary(samples, 0, None, None, None, None, None, dict(missing))
    return LatencySummary(
        samples=samples,
        seen=len(latencies_ms),
        p50_ms=percentile(latencies_ms, 50),
        p90_ms=percentile(latencies_ms, 90),
        p99_ms=percentile(latencies_ms, 99),
        max_ms=max(latencies_ms),
        mean_ms=sum(latencies_ms) / len(latencies_ms),
        missing=dict(missing),
    )


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
