"""Secrets the local stack makes for itself on first start. A deployment brings its own (from
its secrets store) and never runs this."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["ensure_key"]


def ensure_key(path: Path) -> Path:
    """A random 256-bit key (hex) at ``path``, readable by its owner only; an existing key is
    kept (the audit rows and anchors signed with it must stay verifiable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path
