"""Bulk requests as values: build the NDJSON lines, classify the per-item results. Pure.

Outcome of each item, and what the caller does with it:

* 2xx, and 409 version conflicts: done. A conflict means the index already holds this version
  or a newer one (a replay, a duplicate or an out-of-order event), which is the point of
  external versioning, not an error. (One exception, decided by the pipeline: a conflict with
  a purge tombstone of the same version is an item shared again after a purge, and is written
  again with :data:`SUPERSEDE_VERSION_TYPE`.)
* 404 on a delete: done (already gone).
* 429, 5xx and 404 on a write (the alias is missing for a moment): retry with backoff.
* any other 4xx (mapping rejects, strict-mapping violations): rejected for good; the message
  goes to the dead-letter topic. The reason keeps only the error type and the field name that
  OpenSearch put in brackets, never its free text (which may quote the value).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from projections.record.documents import IndexDoc

__all__ = [
    "SUPERSEDE_VERSION_TYPE",
    "BulkOp",
    "BulkOutcome",
    "ItemFailure",
    "bulk_lines",
    "classify",
    "rejected_field",
    "versioned_ops",
]

Action = Literal["index", "delete"]
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_CONFLICT = 409
_NOT_FOUND = 404
_NEW_FIELD = re.compile(r"introduction of \[([\w.]+)\] within \[([\w.]+)\]")
_BAD_FIELD = re.compile(r"field \[([\w.]+)\]")


@dataclass(frozen=True)
class BulkOp:
    """One bulk operation. Versioned writes carry ``version`` and ``version_type``."""

    action: Action
    index: str
    doc_id: str
    body: Mapping[str, Any] | None = None
    version: int | None = None
    version_type: str | None = None


@dataclass(frozen=True)
class ItemFailure:
    """A rejected item: its position in the request, status, error type and field (or "")."""

    position: int
    status: int
    error_type: str
    field: str


@dataclass(frozen=True)
class BulkOutcome:
    """What one bulk response means: counts of done items, rejects, positions to retry."""

    written: int
    conflicts: int
    rejected: tuple[ItemFailure, ...]
    retry: tuple[int, ...]
    conflicted: tuple[int, ...] = ()


#: Re-sends an item shared again after a purge over the purge tombstone of the same version.
SUPERSEDE_VERSION_TYPE = "external_gte"


def versioned_ops(
    docs: Sequence[IndexDoc], *, index: str, version_type: str = "external"
) -> list[BulkOp]:
    """Index operations for ``docs`` with their external versions."""
    return [BulkOp("index", index, doc.doc_id, doc.body, doc.version, version_type) for doc in docs]


def bulk_lines(ops: Sequence[BulkOp]) -> list[Mapping[str, Any]]:
    """The bulk request body: an action line per op, followed by its source for index ops."""
    lines: list[Mapping[str, Any]] = []
    for op in ops:
        meta: dict[str, Any] = {"_index": op.index, "_id": op.doc_id}
        if op.version is not None:
            meta["version"] = op.version
            meta["version_type"] = op.version_type or "external"
        lines.append({op.action: meta})
        if op.action == "index":
            lines.append(op.body or {})
    return lines


def rejected_field(reason: str) -> str:
    """The field path named in an OpenSearch error reason, or "" (never the reason text)."""
    new_field = _NEW_FIELD.search(reason)
    if new_field:
        parent, name = new_field.group(2), new_field.group(1)
        return name if parent == "_doc" else f"{parent}.{name}"
    bad_field = _BAD_FIELD.search(reason)
    return bad_field.group(1) if bad_field else ""


def _failure(position: int, status: int, result: Mapping[str, Any]) -> ItemFailure:
    error = result.get("error") or {}
    if not isinstance(error, Mapping):
        return ItemFailure(position, status, "unknown", "")
    return ItemFailure(
        position,
        status,
        str(error.get("type", "unknown")),
        rejected_field(str(error.get("reason", ""))),
    )


def classify(response: Mapping[str, Any], ops: Sequence[BulkOp]) -> BulkOutcome:
    """Sort each item of a bulk ``response`` (same order as ``ops``) into done/reject/retry."""
    written = 0
    conflicted: list[int] = []
    rejected: list[ItemFailure] = []
    retry: list[int] = []
    for position, (item, op) in enumerate(zip(response.get("items", []), ops, strict=True)):
        result = next(iter(item.values()))
        status = int(result.get("status", 500))
        if status < 300 or (status == _NOT_FOUND and op.action == "delete"):
            written += 1
        elif status == _CONFLICT:
            conflicted.append(position)
        elif status in _RETRY_STATUSES or status == _NOT_FOUND or status >= 500:
            retry.append(position)
        else:
            rejected.append(_failure(position, status, result))
    return BulkOutcome(written, len(conflicted), tuple(rejected), tuple(retry), tuple(conflicted))
