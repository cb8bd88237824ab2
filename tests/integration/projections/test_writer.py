"""The writer and index admin against real OpenSearch: versions, strict mapping, alias."""

from __future__ import annotations

from datetime import UTC, datetime

from opensearchpy import OpenSearch

from projections.record.bulk import BulkOp, ItemFailure
from projections.record.indices import (
    add_missing_fields,
    alias_indices,
    create_index_version,
    ensure_alias,
    swap_alias,
)
from projections.record.mapping import mappings
from projections.record.settings import RecordSettings
from projections.record.writer import RecordWriter

NOW = datetime(2024, 3, 1, tzinfo=UTC)


def _op(doc_id: str, version: int, body: dict[str, object]) -> BulkOp:
    return BulkOp("index", "unused", doc_id, {"doc_kind": "item", **body}, version, "external")


def test_bulk_outcomes_from_a_real_strict_index(
    record_settings: RecordSettings, opensearch_client: OpenSearch
) -> None:
    """Older versions are conflicts; unknown fields and bad values are rejected with the field."""
    ensure_alias(opensearch_client, record_settings, now=NOW)
    alias = record_settings.alias
    writer = RecordWriter(opensearch_client, target=alias, require_alias=True)
    first = writer.bulk([BulkOp("index", alias, "a", {"doc_kind": "item"}, 2, "external")])
    outcome = writer.bulk([
        BulkOp("index", alias, "a", {"doc_kind": "item"}, 1, "external"),
        BulkOp("index", alias, "b", {"doc_kind": "item", "colour": "red"}, 1, "external"),
        BulkOp("index", alias, "c", {"result": {"value_quantity": "Alexa"}}, 1, "external"),
    ])  # fmt: skip
    assert (first.written, outcome.written, outcome.conflicts, outcome.retry) == (1, 0, 1, ())
    assert outcome.rejected == (
        ItemFailure(1, 400, "strict_dynamic_mapping_exception", "colour"),
        ItemFailure(2, 400, "mapper_parsing_exception", "result.value_quantity"),
    )


def test_missing_alias_is_retried_rather_than_auto_created(
    record_settings: RecordSettings, opensearch_client: OpenSearch
) -> None:
    """Writing to an alias that does not exist asks for a retry and creates no stray index."""
    writer = RecordWriter(opensearch_client, target=record_settings.alias, require_alias=True)
    outcome = writer.bulk([BulkOp("index", record_settings.alias, "a", {}, 1, "external")])
    assert outcome.retry == (0,)
    assert not opensearch_client.indices.exists(index=record_settings.alias)


def test_alias_is_created_once_and_swapped_atomically(
    record_settings: RecordSettings, opensearch_client: OpenSearch
) -> None:
    """ensure_alias is idempotent; a swap leaves the alias on exactly the new version."""
    first = ensure_alias(opensearch_client, record_settings, now=NOW)
    again = ensure_alias(opensearch_client, record_settings, now=datetime(2025, 1, 1, tzinfo=UTC))
    assert first == again == f"{record_settings.alias}-v1-20240301000000000000"
    newer = create_index_version(
        opensearch_client, record_settings, now=datetime(2025, 1, 1, tzinfo=UTC)
    )
    assert swap_alias(opensearch_client, record_settings.alias, newer) == [first]
    assert alias_indices(opensearch_client, record_settings.alias) == [newer]


def test_an_index_made_by_an_earlier_version_is_given_todays_new_fields(
    record_settings: RecordSettings, opensearch_client: OpenSearch
) -> None:
    """A record index from before conditions existed refuses a condition (strict mapping);
    the worker's start (``ensure_alias``) adds the missing fields in place, and then the same
    document is written, with no rebuild."""
    today = mappings()
    older = {**today, "properties": {name: field for name, field in today["properties"].items()
                                     if name != "condition"}}  # fmt: skip
    alias = record_settings.alias
    opensearch_client.indices.create(index=f"{alias}-v1-older", body={
        "mappings": older, "aliases": {alias: {"is_write_index": True}}})  # fmt: skip
    writer = RecordWriter(opensearch_client, target=alias, require_alias=True)
    condition = {"doc_kind": "item", "condition": {"clinical_status": "active"}}
    refused = writer.bulk([BulkOp("index", alias, "c1", condition, 1, "external")])
    assert [failure.field for failure in refused.rejected] == ["condition"]
    assert ensure_alias(opensearch_client, record_settings, now=NOW) == f"{alias}-v1-older"
    written = writer.bulk([BulkOp("index", alias, "c1", condition, 1, "external")])
    assert (written.written, written.rejected) == (1, ())
    assert add_missing_fields(opensearch_client, f"{alias}-v1-older") == []  # nothing left
