"""A worker's stop flag, set by SIGINT or SIGTERM (so it finishes its batch and commits)."""

from __future__ import annotations

import signal
import threading
from types import FrameType

__all__ = ["stop_on_signals"]


def stop_on_signals() -> threading.Event:
    """An event set when the process is asked to stop; call from the main thread."""
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    return stop
