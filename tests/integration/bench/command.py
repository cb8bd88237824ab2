"""Running an ``mcr bench ...`` command as the operators do, for the bench tests.

When the command fails, the assertion shows each worker's log tail (which the bench writes to
stderr before its traceback) as well as the traceback's end: a stalled or crashed worker must
say why in CI's output, not only that the run timed out.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import PROJECT_ROOT

__all__ = ["failure_report", "run_bench"]

LOG_MARK = "--- "
"""How :func:`consumers.ops.bench.workers.log_tails` heads each worker's section."""


def failure_report(stderr: str, *, logs_chars: int = 12_000, tail_chars: int = 4_000) -> str:
    """The worker log sections (from the first heading) and the end of ``stderr``."""
    start = stderr.find(LOG_MARK)
    if start < 0 or start >= len(stderr) - tail_chars:
        return stderr[-tail_chars:]
    return f"{stderr[start : start + logs_chars]}\n[...]\n{stderr[-tail_chars:]}"


def run_bench(*args: str, timeout_s: float) -> subprocess.CompletedProcess[str]:
    """``mcr bench <args>`` in the project with this environment; asserts it succeeded."""
    done = subprocess.run([sys.executable, "-m", "mcr", "bench", *args], cwd=PROJECT_ROOT,
                          env=dict(os.environ), capture_output=True, text=True,
                          timeout=timeout_s, check=False)  # fmt: skip
    assert done.returncode == 0, failure_report(done.stderr)
    return done
