"""What a reader can see in OpenSearch: searchable document versions by id. Thin I/O.

``mget`` is real-time by default (it reads the translog, so it sees a document before any
search can). The benchmark asks about *searchable*, so every lookup passes
``realtime=false``: a document counts only once a refresh has made it visible to search.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from opensearchpy import OpenSearch

__all__ = [
    "MGET_CHUNK",
    "missing_documents",
    "refresh",
    "searchable_versions",
    "visible_versions",
]

MGET_CHUNK = 1_000


def refresh(client: OpenSearch, index: str) -> None:
    """Make everything written to ``index`` (an index or alias) searchable now."""
    client.indices.refresh(index=index)


def searchable_versions(
    client: OpenSearch, index: str, ids: Iterable[str], *, visible_only: bool = False
) -> dict[str, int]:
    """Id -> searchable version, for those of ``ids`` a search would find now (with
    ``visible_only``, only those a reader would show: not tombstones)."""
    wanted = list(dict.fromkeys(ids))
    found: dict[str, int] = {}
    source = "deleted" if visible_only else "false"
    for start in range(0, len(wanted), MGET_CHUNK):
        answer: dict[str, Any] = client.mget(
            index=index,
            body={"ids": wanted[start : start + MGET_CHUNK]},
            params={"realtime": "false", "_source": source},
        )
        for doc in answer.get("docs", []):
            if doc.get("found") and not (visible_only and doc["_source"].get("deleted")):
                found[doc["_id"]] = int(doc["_version"])
    return found


def visible_versions(client: OpenSearch, index: str, ids: Iterable[str]) -> dict[str, int]:
    """Id -> version, for those of ``ids`` a reader would be shown now (searchable and not a
    tombstone: a purge leaves tombstones, which are not a leak)."""
    return searchable_versions(client, index, ids, visible_only=True)


def missing_documents(client: OpenSearch, index: str, expected: Mapping[str, int]) -> int:
    """How many of ``expected`` (id -> version) are not searchable at that version or later."""
    seen = searchable_versions(client, index, expected)
    return sum(1 for doc_id, version in expected.items() if seen.get(doc_id, -1) < version)
