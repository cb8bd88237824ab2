"""Secrets the local stack makes for itself on first start. A deployment brings its own (from
its secrets store) and never runs this."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["ensure_key", "ensure_password", "write_private"]


def ensure_key(path: Path) -> Path:
    """A random 256-bit key (hex) at ``path``, readable by its owner only; an existing key is
    kept (the audit rows and anchors signed with it must stay verifiable)."""
    if not path.exists():
        write_private(path, secrets.token_hex(32).encode())
    return path


def ensure_password(path: Path) -> Path:
    """A random password (256 bits, URL-safe) at ``path`` (0600), kept when it exists."""
    if not path.exists():
        write_private(path, secrets.token_urlsafe(32).encode())
    return path


def write_private(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` readable by its owner only (folder 0700), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    staging = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    staging.replace(path)
    return path
