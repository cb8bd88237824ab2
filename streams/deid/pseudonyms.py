"""Keyed pseudonyms (HMAC-SHA256) for the planning feed. Pure apart from reading key files.

The same person id gives the same pseudonym under one key, and nobody without the key can
recompute or reverse it (a plain hash of a person id could be found by trying ids). The key
is rotated by configuration: a new current key file, the old one kept as a previous key for
as long as the planning store holds pseudonyms made with it, so an opt-out still finds them
(opt-out commands name the person's pseudonym under every configured key).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mcr.core.errors import McrError

__all__ = ["MIN_KEY_BYTES", "PlanningKey", "PlanningKeyError", "Pseudonymiser", "load_key"]

MIN_KEY_BYTES = 32


class PlanningKeyError(McrError):
    """A planning key file is missing, unreadable or too short (never shows the key)."""


@dataclass(frozen=True)
class PlanningKey:
    """A key and its public id (the first 8 hex of its SHA-256: names the key, reveals nothing)."""

    secret: bytes

    @property
    def key_id(self) -> str:
        return hashlib.sha256(self.secret).hexdigest()[:8]

    def __repr__(self) -> str:
        return f"PlanningKey(key_id={self.key_id!r})"


def load_key(path: str | Path, *, variable: str = "MCR_PLANNING_KEY_FILE") -> PlanningKey:
    """The key in the file ``path`` (hex text, as ``mcr stack up`` writes, or raw bytes)."""
    if not str(path):
        raise PlanningKeyError(f"{variable}: not set (the planning key makes every pseudonym)")
    try:
        raw = Path(path).read_bytes().strip()
    except OSError as exc:
        raise PlanningKeyError(f"{variable}: the file cannot be read") from exc
    try:
        secret = bytes.fromhex(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        secret = raw
    if len(secret) < MIN_KEY_BYTES:
        raise PlanningKeyError(f"{variable}: expected at least {MIN_KEY_BYTES} bytes of key")
    return PlanningKey(secret)


class Pseudonymiser:
    """Pseudonyms under the current key (events) and under every key (opt-outs)."""

    def __init__(self, current: PlanningKey, previous: Sequence[PlanningKey] = ()) -> None:
        self.current = current
        self._all = (current, *(k for k in previous if k.key_id != current.key_id))

    @staticmethod
    def _mac(key: PlanningKey, purpose: str, value: str) -> str:
        # The purpose is part of the message, so a person id and a source key that happen to
        # be equal strings still get unrelated pseudonyms.
        message = f"{purpose}\x00{value}".encode()
        return hmac.new(key.secret, message, hashlib.sha256).hexdigest()

    def person(self, person_id: str) -> str:
        """The person's pseudonym under the current key."""
        return self._mac(self.current, "person", person_id)

    def person_under_every_key(self, person_id: str) -> tuple[str, ...]:
        """The person's pseudonym under the current key, then under each previous key."""
        return tuple(self._mac(key, "person", person_id) for key in self._all)

    def source(self, source_key: str) -> str:
        """The pseudonym of a source record (``<org>:<local id>``)."""
        return self._mac(self.current, "source", source_key)

    def item(self, org: str, record_type: str, source_record_id: str) -> str:
        """The pseudonym of one clinical item (the planning store's idempotency key)."""
        return self._mac(self.current, "item", f"{org}\x00{record_type}\x00{source_record_id}")
