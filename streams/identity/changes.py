"""Identity changes (``schemas/avro/identity_change/v1.avsc``): what moved where, and why."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

__all__ = ["ChangeKind", "identity_change", "split_source_key"]


class ChangeKind(StrEnum):
    """The ``IdentityChangeKind`` symbols."""

    NEW_PERSON = "NEW_PERSON"
    LINK = "LINK"
    MERGE = "MERGE"
    UNMERGE = "UNMERGE"


def identity_change(
    kind: ChangeKind,
    person_id: str,
    *,
    source_keys: Sequence[str],
    rule: str,
    score: float | None = None,
    previous_person_id: str | None = None,
    occurred_at: datetime | None = None,
) -> dict[str, Any]:
    """An identity change payload ready for ``encode_record("identity_change", ...)``."""
    return {
        "change_id": str(uuid.uuid4()),
        "kind": kind.value,
        "person_id": person_id,
        "previous_person_id": previous_person_id,
        "source_keys": list(source_keys),
        "rule": rule,
        "score": score,
        "occurred_at": occurred_at or datetime.now(UTC),
    }


def split_source_key(key: str) -> tuple[str, str]:
    """``"RD8:12345"`` -> ``("RD8", "12345")`` (the org never contains a colon)."""
    org, sep, local_id = key.partition(":")
    if not sep or not org or not local_id:
        raise ValueError("source_key: expected <org>:<local patient id>")
    return org, local_id
