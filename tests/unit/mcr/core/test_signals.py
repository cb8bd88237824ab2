"""The stop flag the workers wait on."""

from __future__ import annotations

import os
import signal

from mcr.core.signals import stop_on_signals


def test_sigterm_and_sigint_set_the_stop_flag() -> None:
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for sent in (signal.SIGTERM, signal.SIGINT):
            stop = stop_on_signals()
            assert not stop.is_set()
            os.kill(os.getpid(), sent)
            assert stop.wait(5)
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)
