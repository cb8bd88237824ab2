"""Python's cycle collector in a long-running server: what start-up built is frozen out of
it, and every collection's pause is measured (``mcr_gc_pause_seconds``).

A full collection walks every tracked object while holding the GIL, so every request waits
for it. The query service holds about 140,000 objects from its imports alone, a pause of about
45 ms each time on this 2-core machine; frozen (``gc.freeze``), they are never walked again and
a collection walks only what requests left behind.
"""

from __future__ import annotations

import gc
import time
from typing import Any

from mcr.core.metrics import GC_PAUSE_SECONDS

__all__ = ["settle_after_start"]

_started: list[float] = [0.0]


def _timed(phase: str, info: dict[str, Any]) -> None:
    # Collections never overlap (the GIL is held throughout), so one start time suffices.
    if phase == "start":
        _started[0] = time.perf_counter()
    else:
        pause = time.perf_counter() - _started[0]
        GC_PAUSE_SECONDS.labels(generation=str(info["generation"])).observe(pause)


def settle_after_start() -> None:
    """Once start-up is done: collect, freeze everything left, and time every later pause."""
    gc.collect()
    gc.freeze()
    if _timed not in gc.callbacks:
        gc.callbacks.append(_timed)
