"""Routes make identity moves independent of the order topics are read in."""

from __future__ import annotations

from datetime import UTC, datetime

from projections.record.bulk import BulkOp
from projections.record.documents import IndexDoc
from projections.record.routes import apply_routes, route_id, route_ops

AT = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


def _doc(doc_id: str, person: str, key: str) -> IndexDoc:
    return IndexDoc(doc_id, 1, person, {"person_id": person, "source_key": key})


def test_routed_keys_take_the_routed_person_and_others_keep_theirs() -> None:
    """A stale event of a merged key lands under the survivor; unrouted keys are untouched."""
    docs = [_doc("a", "RETIRED", "RC9:P1"), _doc("b", "P9", "RC9:P9")]
    assert apply_routes(docs, {"RC9:P1": "SURVIVOR"}) == [
        IndexDoc("a", 1, "SURVIVOR", {"person_id": "SURVIVOR", "source_key": "RC9:P1"}),
        IndexDoc("b", 1, "P9", {"person_id": "P9", "source_key": "RC9:P9"}),
    ]


def test_route_ops_are_versioned_by_change_time_and_accept_replays() -> None:
    """One route per key, version = change time, external_gte so a replay rewrites it."""
    ops = route_ops(index="record", person_id="B", source_keys=["RC9:P1"], version=1709285400000,
                    change_id="c1", occurred_at=AT)  # fmt: skip
    assert ops == [
        BulkOp("index", "record", "route|RC9%3AP1",
               {"doc_kind": "route", "person_id": "B", "source_key": "RC9:P1",
                "record_version": 1709285400000, "event_id": "c1",
                "recorded_at": "2024-03-01T09:30:00.000Z"},
               1709285400000, "external_gte")
    ]  # fmt: skip
    assert route_id("RC9:P1") != "result|RC9|P1"
