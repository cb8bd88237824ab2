"""Errors of the end-to-end benchmark.

::

    McrError
    └── OpsError
        └── BenchError              the benchmark could not produce a trustworthy number
            ├── WorkerExitedError   a pipeline worker exited or never became ready (log tail shown)
            └── CatchUpTimeoutError the pipeline did not catch up within the time allowed
"""

from __future__ import annotations

from consumers.ops.errors import OpsError

__all__ = ["BenchError", "CatchUpTimeoutError", "WorkerExitedError"]


class BenchError(OpsError):
    """Root of every error raised by ``consumers.ops.bench``."""


class WorkerExitedError(BenchError):
    """A worker subprocess stopped (or never joined its group); the message ends with its log."""


class CatchUpTimeoutError(BenchError):
    """The stages were still behind when the deadline passed; the message names the lags."""
