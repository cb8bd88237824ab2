"""Background work gives way to clinicians' reads when they share CPUs.

Ingest (the streams and record workers) can always catch up later; a clinician waiting for a
record cannot. On one machine, as here and in small deployments, the ingest processes lower
their own CPU priority at start (``nice``), so the query service is scheduled first whenever
both want a core. A deployment that gives each component its own CPUs (containers with CPU
requests) loses nothing by it. ``MCR_BACKGROUND_NICENESS=0`` turns it off.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated

from pydantic import Field

from mcr.core.settings import McrSettings, whole_number

__all__ = ["PrioritySettings", "yield_to_interactive"]

_MAX_NICENESS = 19


class PrioritySettings(McrSettings):
    """How far background workers lower their CPU priority (0 = not at all, 19 = most)."""

    background_niceness: Annotated[
        int,
        whole_number(minimum=0),
        Field(validation_alias="MCR_BACKGROUND_NICENESS", le=_MAX_NICENESS),
    ] = 10


def yield_to_interactive(env: Mapping[str, str] | None = None) -> int:
    """Lower this process's CPU priority to the configured background niceness (never raise
    it: an unprivileged process could not, and a lower setting elsewhere is deliberate).
    Returns the niceness the process runs at."""
    wanted = PrioritySettings.from_env(env).background_niceness
    current = os.nice(0)
    return os.nice(wanted - current) if wanted > current else current
