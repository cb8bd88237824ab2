"""The person summary: a small document derived from what the index holds for a person. Pure.

It lists the demographics each source record gives (one entry per patient document) and counts
the visible items per record type. It is derived, not versioned: the worker recomputes it for
every person whose documents changed, after a refresh, and deletes it when nothing is left.
One aggregation serves a whole chunk of persons, so recomputing costs one search per chunk.
Its size is bounded by the number of source records, never by the number of items.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from projections.record.documents import (
    DOC_KIND_ITEM,
    DOC_KIND_PATIENT,
    DOC_KIND_SUMMARY,
    ITEM_TYPES,
    iso_instant,
)

__all__ = ["MAX_SOURCES", "build_summary", "person_buckets", "summaries_search"]

#: More source records than this for one person would be a matching problem; we keep the first.
MAX_SOURCES = 100
_SOURCE_FIELDS = [
    "source_key", "org", "source_system", "source_record_id", "record_version",
    "recorded_at", "patient",
]  # fmt: skip


def summaries_search(person_ids: Sequence[str]) -> dict[str, Any]:
    """One search for many persons: per person, visible items counted by type, the latest
    change, and the patient documents (a terms aggregation on ``person_id``)."""
    return {
        "size": 0,
        "query": {
            "bool": {
                "filter": [
                    {"terms": {"person_id": list(person_ids)}},
                    {"term": {"deleted": False}},
                    {"terms": {"doc_kind": [DOC_KIND_ITEM, DOC_KIND_PATIENT]}},
                ]
            }
        },
        "aggs": {
            "persons": {
                # "map": buckets from the matching documents only. The default builds global
                # ordinals of person_id over the whole index after every refresh, a cost that
                # grows with the region while the persons asked for stay a few hundred.
                "terms": {
                    "field": "person_id",
                    "size": max(1, len(person_ids)),
                    "execution_hint": "map",
                },
                "aggs": {
                    # every item type and "patient": a fixed size would drop a type added later
                    "types": {"terms": {"field": "record_type", "size": len(ITEM_TYPES) + 1}},
                    "latest": {"max": {"field": "recorded_at"}},
                    "patients": {
                        "filter": {"term": {"doc_kind": DOC_KIND_PATIENT}},
                        "aggs": {
                            "docs": {
                                "top_hits": {
                                    "size": MAX_SOURCES,
                                    "sort": [{"source_key": "asc"}, {"source_record_id": "asc"}],
                                    "_source": _SOURCE_FIELDS,
                                }
                            }
                        },
                    },
                },
            }
        },
    }


def _counts(bucket: Mapping[str, Any]) -> dict[str, int]:
    found = {b["key"]: int(b["doc_count"]) for b in bucket["types"]["buckets"]}
    return {rt.value: found.get(rt.value, 0) for rt in ITEM_TYPES}


def _sources(bucket: Mapping[str, Any]) -> list[dict[str, Any]]:
    hits = bucket["patients"]["docs"]["hits"]["hits"]
    return [dict(hit["_source"]) for hit in hits]


def build_summary(
    person_id: str, bucket: Mapping[str, Any] | None, *, computed_at: datetime
) -> dict[str, Any] | None:
    """The summary document from the person's bucket of ``summaries_search``, or None when
    nothing visible is left (no bucket)."""
    if bucket is None or int(bucket["doc_count"]) == 0:
        return None
    counts = _counts(bucket)
    return {
        "doc_kind": DOC_KIND_SUMMARY,
        "person_id": person_id,
        "deleted": False,
        "summary": {
            "sources": _sources(bucket),
            "counts": counts,
            "item_count": sum(counts.values()),
            "latest_recorded_at": bucket["latest"].get("value_as_string"),
            "computed_at": iso_instant(computed_at),
        },
    }


def person_buckets(response: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The per-person buckets of a ``summaries_search`` response, by person id."""
    return {b["key"]: b for b in response["aggregations"]["persons"]["buckets"]}
