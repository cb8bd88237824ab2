"""Bulk request lines and the meaning of each item result."""

from __future__ import annotations

from typing import Any

import pytest

from projections.record.bulk import (
    BulkOp,
    ItemFailure,
    bulk_lines,
    classify,
    rejected_field,
    versioned_ops,
)
from projections.record.documents import IndexDoc


def test_versioned_ops_write_lines_with_external_versions() -> None:
    """Each document becomes an index line with its id and external version, then its body."""
    docs = [IndexDoc("result|RC9|R1", 3, "P1", {"a": 1}), IndexDoc("result|RC9|R2", 0, "P1", {})]
    assert bulk_lines(versioned_ops(docs, index="record")) == [
        {
            "index": {
                "_index": "record",
                "_id": "result|RC9|R1",
                "version": 3,
                "version_type": "external",
            }
        },
        {"a": 1},
        {
            "index": {
                "_index": "record",
                "_id": "result|RC9|R2",
                "version": 0,
                "version_type": "external",
            }
        },
        {},
    ]


def test_unversioned_delete_has_no_body() -> None:
    """A summary delete is one line with no source and no version."""
    assert bulk_lines([BulkOp("delete", "record", "summary|P1")]) == [
        {"delete": {"_index": "record", "_id": "summary|P1"}}
    ]


def _item(
    status: int, error: dict[str, Any] | None = None, action: str = "index"
) -> dict[str, Any]:
    result: dict[str, Any] = {"status": status}
    if error:
        result["error"] = error
    return {action: result}


STRICT = {
    "type": "strict_dynamic_mapping_exception",
    "reason": "mapping set to strict, dynamic introduction of [colour] within [result] is not allowed",
}
PARSE = {
    "type": "mapper_parsing_exception",
    "reason": "failed to parse field [result.value_quantity] of type [double] in document with "
    "id 'x'. Preview of field's value: 'Alexa Testpatient'",
}


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([201, 200], (2, 0, (), ())),
        ([409, 201], (1, 1, (), ())),
        ([429, 503, 201], (1, 0, (), (0, 1))),
        ([404], (0, 0, (), (0,))),
        (
            [400],
            (0, 0, (ItemFailure(0, 400, "strict_dynamic_mapping_exception", "result.colour"),), ()),
        ),
    ],
)
def test_classify_sorts_items_into_done_conflict_reject_retry(
    statuses: list[int], expected: tuple[int, int, tuple[ItemFailure, ...], tuple[int, ...]]
) -> None:
    """2xx written, 409 conflict (success), 429/5xx/404 retried, other 4xx rejected."""
    ops = [BulkOp("index", "record", f"id{i}", {}, 1, "external") for i in range(len(statuses))]
    items = [_item(s, STRICT if s == 400 else None) for s in statuses]
    outcome = classify({"items": items}, ops)
    assert (outcome.written, outcome.conflicts, outcome.rejected, outcome.retry) == expected


def test_delete_of_a_missing_document_is_done() -> None:
    """Deleting what is already gone counts as written, not as a retry."""
    outcome = classify({"items": [_item(404, action="delete")]}, [BulkOp("delete", "record", "x")])
    assert (outcome.written, outcome.retry) == (1, ())


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        (STRICT["reason"], "result.colour"),
        (
            "mapping set to strict, dynamic introduction of [colour] within [_doc] is not allowed",
            "colour",
        ),
        (PARSE["reason"], "result.value_quantity"),
        ("something else entirely: 'Alexa'", ""),
    ],
)
def test_rejected_field_keeps_only_the_field_path(reason: str, expected: str) -> None:
    """Only the bracketed field path survives; quoted values (maybe PHI) never do."""
    assert rejected_field(reason) == expected
