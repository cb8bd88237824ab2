"""Query bodies for readers of the record (the query service, tests, ops). Pure.

Readers must filter ``deleted: false``: removed items stay as tombstones (see documents.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from projections.record.documents import DOC_KIND_ITEM

__all__ = [
    "item_documents",
    "person_documents",
    "source_key_documents",
    "visible_items",
]


def visible_items(person_id: str, record_type: str | None = None) -> dict[str, Any]:
    """Query: the person's clinical items that are not deleted (optionally of one type)."""
    filters: list[dict[str, Any]] = [
        {"term": {"person_id": person_id}},
        {"term": {"doc_kind": DOC_KIND_ITEM}},
        {"term": {"deleted": False}},
    ]
    if record_type is not None:
        filters.append({"term": {"record_type": record_type}})
    return {"bool": {"filter": filters}}


def person_documents(person_id: str) -> dict[str, Any]:
    """Query: every document of the person (items, patients, tombstones, summary), but not
    the identity routes that point at them (identity plumbing, not record content)."""
    return {
        "bool": {
            "filter": [{"term": {"person_id": person_id}}],
            "must_not": [{"term": {"doc_kind": "route"}}],
        }
    }


def organisation_documents(org: str) -> dict[str, Any]:
    """Query: every item and patient document (tombstones included) ``org`` shared, whoever
    holds it; not routes or summaries (summaries are recomputed for the persons touched)."""
    return {
        "bool": {
            "filter": [{"term": {"org": org}}],
            "must_not": [{"terms": {"doc_kind": ["route", "summary"]}}],
        }
    }


def item_documents(items: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Query: the documents of the given (org, source record id) items and of their components
    (``<id>#...``, e.g. a FHIR Observation's component results), whoever holds them now (an
    item is one document, so a purge sent before a merge was followed still finds it)."""
    return {
        "bool": {
            "should": [_item_clause(org, record_id) for org, record_id in items],
            "minimum_should_match": 1,
            "must_not": [{"term": {"doc_kind": "route"}}],
        }
    }


def _item_clause(org: str, record_id: str) -> dict[str, Any]:
    same_or_component = [
        {"term": {"source_record_id": record_id}},
        {"prefix": {"source_record_id": f"{record_id}#"}},
    ]
    return {
        "bool": {
            "filter": [{"term": {"org": org}}],
            "should": same_or_component,
            "minimum_should_match": 1,
        }
    }


def source_key_documents(source_keys: Sequence[str]) -> dict[str, Any]:
    """Query: every document of the given source records, whoever holds them (not routes)."""
    return {
        "bool": {
            "filter": [{"terms": {"source_key": list(source_keys)}}],
            "must_not": [{"term": {"doc_kind": "route"}}],
        }
    }
