"""The real OpenSearch node and PostgreSQL server answer reads and writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_index_then_search_a_document(
    opensearch_client: Any, index_factory: Callable[[str], str]
) -> None:
    """A document indexed with refresh is found by a match query on the real node."""
    index = index_factory("smoke")
    opensearch_client.indices.create(
        index=index,
        body={
            "settings": {"number_of_shards": 1, "number_of_replicas": 0},
            "mappings": {
                "dynamic": "strict",
                "properties": {"code": {"type": "keyword"}, "text": {"type": "text"}},
            },
        },
    )
    opensearch_client.index(
        index=index, id="RC9|result|1", body={"code": "718-7", "text": "haemoglobin"}, refresh=True
    )

    hits = opensearch_client.search(
        index=index, body={"query": {"match": {"text": "haemoglobin"}}}
    )["hits"]["hits"]

    assert [hit["_id"] for hit in hits] == ["RC9|result|1"]
    assert hits[0]["_source"]["code"] == "718-7"


def test_write_then_read_a_row(pg_conn: Any) -> None:
    """A row written in a fresh schema reads back in the same schema."""
    pg_conn.execute("CREATE TABLE person (id text PRIMARY KEY, created timestamptz DEFAULT now())")
    pg_conn.execute("INSERT INTO person (id) VALUES (%s), (%s)", ("p-1", "p-2"))

    rows = pg_conn.execute("SELECT id FROM person ORDER BY id").fetchall()

    assert rows == [("p-1",), ("p-2",)]
