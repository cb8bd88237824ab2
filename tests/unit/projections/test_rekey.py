"""Which documents an identity change moves, and how."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from projections.record.bulk import BulkOp
from projections.record.errors import DocumentError
from projections.record.rekey import (
    IdentityChange,
    RekeyPlan,
    moved_op,
    parse_identity_change,
    plan_rekey,
    rekey_query,
)

KEYS = ("RC9:P001", "Y01234:77")
AT = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "previous", "keys", "expected"),
    [
        ("MERGE", "A", KEYS, RekeyPlan("c1", "B", "A", KEYS, AT)),
        ("UNMERGE", "B", KEYS[:1], RekeyPlan("c1", "B", "B", KEYS[:1], AT)),
        ("LINK", "A", KEYS, RekeyPlan("c1", "B", "A", KEYS, AT)),
        ("LINK", None, KEYS, None),
        ("NEW_PERSON", None, KEYS, None),
        ("MERGE", "A", (), None),
    ],
)
def test_plan_moves_only_merges_unmerges_and_relinks(
    kind: str, previous: str | None, keys: tuple[str, ...], expected: RekeyPlan | None
) -> None:
    """Merges and unmerges move their keys; first links and new persons move nothing."""
    assert plan_rekey(IdentityChange("c1", kind, "B", previous, keys, AT)) == expected


def test_plan_version_is_the_change_time_in_millis() -> None:
    """Changes of one key are ordered by when they happened."""
    assert RekeyPlan("c1", "B", "A", KEYS, AT).version == 1709285400000


def test_query_selects_the_keys_not_yet_under_the_person() -> None:
    """The move touches only the given source keys, and skips documents in place and routes."""
    assert rekey_query(RekeyPlan("c1", "B", "A", KEYS, AT), KEYS[:1]) == {
        "bool": {
            "filter": [{"terms": {"source_key": ["RC9:P001"]}}],
            "must_not": [{"term": {"person_id": "B"}}, {"term": {"doc_kind": "route"}}],
        }
    }


def test_moved_op_keeps_the_version_and_changes_only_the_person() -> None:
    """A moved document is rewritten with its own version (external_gte) under the new person."""
    hit = {"_index": "record-v1-1", "_id": "result|RC9|R1", "_version": 7,
           "_source": {"person_id": "A", "source_key": "RC9:P001", "record_version": 7}}  # fmt: skip
    assert moved_op(hit, RekeyPlan("c1", "B", "A", KEYS, AT)) == BulkOp(
        "index", "record-v1-1", "result|RC9|R1",
        {"person_id": "B", "source_key": "RC9:P001", "record_version": 7}, 7, "external_gte",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "SPLIT", "person_id": "B", "occurred_at": AT}, "kind"),
        ({"kind": "MERGE", "person_id": "", "occurred_at": AT}, "person_id"),
        ({"kind": "MERGE", "person_id": "B"}, "occurred_at"),
    ],
)
def test_bad_identity_changes_name_the_field(payload: dict[str, Any], field: str) -> None:
    """An identity change we cannot act on is refused with the field that is wrong."""
    with pytest.raises(DocumentError, match=field) as caught:
        parse_identity_change(payload)
    assert caught.value.field == field
