"""Errors of the ops tools.

The CLI turns them into exit codes (1: refused or failed)::

    McrError
    └── OpsError                 an ops command could not do what was asked
        ├── ReplayRefusedError   the group has active members (offsets can only move when empty)
        └── RebuildError         a rebuild stopped before swapping the alias (old index untouched)
"""

from __future__ import annotations

from mcr.core.errors import McrError

__all__ = ["OpsError", "RebuildError", "ReplayRefusedError"]


class OpsError(McrError):
    """Root of every error raised by ``consumers.ops``."""


class ReplayRefusedError(OpsError):
    """Offsets were not moved because consumers of the group are running."""


class RebuildError(OpsError):
    """The rebuild failed before the swap; the alias still points at the old index."""
