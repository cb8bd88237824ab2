"""The writer and index admin against real OpenSearch: versions, strict mapping, alias."""

from __future__ import annotations

from datetime import UTC, datetime

from opensearchpy import OpenSearch

from projections.record.bulk import BulkOp, ItemFailure
from projections.record.indices import alias_indices, create_index_version, ensure_alias, swap_alias
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
