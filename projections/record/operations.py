"""Operations that take several OpenSearch requests: moving documents for an identity change,
purging a person, recomputing person summaries. Each is safe to repeat from the start.

Moves and purges search first (after a refresh) and then write by id in one bulk, rather than
``_update_by_query`` / ``_delete_by_query``: update-by-query would bump the internal version
and break external versioning, and neither needs the ``reindex`` module this way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from projections.record.bulk import SUPERSEDE_VERSION_TYPE, BulkOp
from projections.record.documents import DOC_KIND_SUMMARY, is_purge_tombstone, purge_tombstone
from projections.record.errors import TransientWriteError, WriteError
from projections.record.ids import summary_id
from projections.record.queries import (
    item_documents,
    organisation_documents,
    person_documents,
    source_key_documents,
)
from projections.record.rekey import RekeyPlan, moved_op, rekey_query
from projections.record.routes import route_ops
from projections.record.summary import build_summary, person_buckets
from projections.record.writer import RecordWriter
from schemas.commands import Purge, PurgeOrganisation, PurgeScope

__all__ = ["SUMMARY_CHUNK", "move_documents", "purge", "write_summaries"]

SUMMARY_CHUNK = 500


def _claim_routes(writer: RecordWriter, plan: RekeyPlan) -> list[str]:
    """Record the plan's routes; returns the keys it now holds (not those a newer change has)."""
    ops = route_ops(
        index=writer.target,
        person_id=plan.person_id,
        source_keys=plan.source_keys,
        version=plan.version,
        change_id=plan.change_id,
        occurred_at=plan.occurred_at,
    )
    outcome = writer.bulk(ops)
    if outcome.retry:
        raise TransientWriteError("routes: items to retry")
    if outcome.rejected:
        raise WriteError(f"routes: {len(outcome.rejected)} refused")
    return [key for i, key in enumerate(plan.source_keys) if i not in outcome.conflicted]


def move_documents(writer: RecordWriter, plan: RekeyPlan) -> tuple[int, set[str]]:
    """Record the plan's routes and move the documents of the keys it holds; returns how many
    documents moved and every person touched.

    Raises TransientWriteError when a newer version landed during the move (search again).
    """
    keys = _claim_routes(writer, plan)
    if not keys:
        return 0, set()
    writer.refresh()
    hits = writer.hits(rekey_query(plan, keys))
    outcome = writer.bulk([moved_op(hit, plan) for hit in hits])
    if outcome.retry or outcome.conflicts:
        raise TransientWriteError("rekey: documents changed during the move")
    if outcome.rejected:
        raise WriteError(f"rekey: {len(outcome.rejected)} documents refused")
    touched = {plan.person_id, *(str(hit["_source"]["person_id"]) for hit in hits)}
    if plan.previous_person_id:
        touched.add(plan.previous_person_id)
    return outcome.written, touched


def _purge_query(command: Purge) -> dict[str, Any]:
    if isinstance(command, PurgeOrganisation):
        return organisation_documents(command.org)
    if command.scope is PurgeScope.ITEMS:
        return item_documents(command.items)
    if command.scope is PurgeScope.SOURCE_KEYS:
        return source_key_documents(command.source_keys)
    return person_documents(command.person_id)


def _purge_op(hit: Mapping[str, Any], command: Purge) -> BulkOp:
    """A summary is deleted (it is derived and written without external versions); an item or
    patient document becomes a purge tombstone at its own version."""
    if hit["_source"].get("doc_kind") == DOC_KIND_SUMMARY:
        return BulkOp("delete", hit["_index"], hit["_id"])
    body = purge_tombstone(hit["_source"], command_id=command.command_id)
    return BulkOp("index", hit["_index"], hit["_id"], body, int(hit["_version"]),
                  SUPERSEDE_VERSION_TYPE)  # fmt: skip


def purge(writer: RecordWriter, command: Purge) -> tuple[int, set[str]]:
    """Remove the documents the command's scope names (for a whole person: items, patients,
    tombstones, summary); returns how many, and the persons they belonged to.

    Items and patients become purge tombstones at their own version rather than being deleted,
    so that the same version shared again later replaces them however soon it comes (a real
    delete's version lingers for ``index.gc_deletes`` and would refuse it for a minute, then
    be forgotten: the outcome would depend on time). See ``RecordPipeline`` for the share.
    Documents a purge already removed are left alone. Refreshes afterwards so the purge is
    visible at once. Raises TransientWriteError when a document changed meanwhile.
    """
    writer.refresh()
    hits = [h for h in writer.hits(_purge_query(command)) if not is_purge_tombstone(h["_source"])]
    outcome = writer.bulk([_purge_op(hit, command) for hit in hits])
    if outcome.retry or outcome.conflicts:
        raise TransientWriteError("purge: items to retry")
    if outcome.rejected:
        raise WriteError(f"purge: {len(outcome.rejected)} writes refused")
    writer.refresh()
    return outcome.written, {str(hit["_source"].get("person_id")) for hit in hits}


def _summary_op(
    writer: RecordWriter, person_id: str, bucket: Mapping[str, Any] | None, now: datetime
) -> BulkOp:
    doc = build_summary(person_id, bucket, computed_at=now)
    if doc is None:
        return BulkOp("delete", writer.target, summary_id(person_id))
    return BulkOp("index", writer.target, summary_id(person_id), doc)


def write_summaries(writer: RecordWriter, persons: Iterable[str], *, now: datetime) -> int:
    """Recompute and write (or delete) the summary of each person; returns how many."""
    ordered = sorted(persons)
    writer.refresh()
    for start in range(0, len(ordered), SUMMARY_CHUNK):
        chunk = ordered[start : start + SUMMARY_CHUNK]
        buckets = person_buckets(writer.summaries(chunk))
        ops = [_summary_op(writer, person, buckets.get(person), now) for person in chunk]
        outcome = writer.bulk(ops)
        if outcome.retry:
            raise TransientWriteError("summaries: items to retry")
        if outcome.rejected:
            raise WriteError(f"summaries: {len(outcome.rejected)} refused")
    return len(ordered)
