"""How long to wait before the next retry. Pure: capped exponential backoff.

No jitter: one worker per partition retries one bulk at a time, so synchronised retries are
bounded by the number of workers; deterministic delays keep the schedule testable.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Backoff"]


@dataclass(frozen=True)
class Backoff:
    """Delays ``initial_s * factor**(attempt-1)``, never more than ``maximum_s``."""

    initial_s: float = 0.1
    maximum_s: float = 10.0
    factor: float = 2.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if attempt < 1:
            raise ValueError("attempt: must be 1 or more")
        return float(min(self.maximum_s, self.initial_s * self.factor ** (attempt - 1)))
