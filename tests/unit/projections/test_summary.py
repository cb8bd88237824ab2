"""The person summary derived from a search response."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from projections.record.summary import build_summary, person_buckets, summaries_search

NOW = datetime(2024, 3, 2, 12, 0, tzinfo=UTC)


def _bucket(
    person: str, total: int, types: dict[str, int], sources: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "key": person,
        "doc_count": total,
        "types": {"buckets": [{"key": k, "doc_count": v} for k, v in types.items()]},
        "latest": {"value": 1.7e12, "value_as_string": "2024-03-01T09:33:30.000Z"},
        "patients": {"docs": {"hits": {"hits": [{"_source": s} for s in sources]}}},
    }


def test_summary_counts_items_by_type_and_lists_sources() -> None:
    """Counts per type (zero when absent), the item total and one entry per source record."""
    source = {"source_key": "RC9:P001", "org": "RC9", "patient": {"family_name": "Testpatient"}}
    bucket = _bucket("P1", 4, {"result": 2, "encounter": 1, "patient": 1}, [source])
    assert build_summary("P1", bucket, computed_at=NOW) == {
        "doc_kind": "summary",
        "person_id": "P1",
        "deleted": False,
        "summary": {
            "sources": [source],
            "counts": {
                "result": 2,
                "medication": 0,
                "encounter": 1,
                "condition": 0,
                "allergy": 0,
                "immunisation": 0,
                "procedure": 0,
                "document": 0,
            },
            "item_count": 3,
            "latest_recorded_at": "2024-03-01T09:33:30.000Z",
            "computed_at": "2024-03-02T12:00:00.000Z",
        },
    }


def test_no_visible_documents_means_no_summary() -> None:
    """A person without a bucket (nothing visible left) gets no summary: it is deleted."""
    response = {"aggregations": {"persons": {"buckets": [_bucket("P2", 1, {"result": 1}, [])]}}}
    buckets = person_buckets(response)
    assert (sorted(buckets), build_summary("P1", buckets.get("P1"), computed_at=NOW)) == (
        ["P2"],
        None,
    )


def test_search_counts_only_visible_documents_of_the_chunk() -> None:
    """One search per chunk: filtered on the persons, without tombstones and summaries."""
    body = summaries_search(["P1", "P2"])
    assert body["query"]["bool"]["filter"] == [
        {"terms": {"person_id": ["P1", "P2"]}},
        {"term": {"deleted": False}},
        {"terms": {"doc_kind": ["item", "patient"]}},
    ]
    assert body["aggs"]["persons"]["terms"] == {
        "field": "person_id",
        "size": 2,
        "execution_hint": "map",
    }
