"""The OpenSearch side of the projection: one method per request, nothing else. Thin I/O.

Library errors are translated here: unreachable, timing out, 429 and 5xx become
:class:`TransientWriteError` (the caller backs off and retries, which external versioning makes
safe); anything else becomes :class:`WriteError`. Retrying is the caller's decision.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy import exceptions as os_errors
from opensearchpy.helpers import scan

from mcr.core.opensearch import connect as opensearch_client
from projections.record.bulk import BulkOp, BulkOutcome, bulk_lines, classify
from projections.record.documents import is_purge_tombstone
from projections.record.errors import TransientWriteError, WriteError
from projections.record.routes import route_id
from projections.record.summary import summaries_search

__all__ = ["RecordWriter", "connect", "translated"]

_TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
BULK_ANSWER_FIELDS = "items.*.status,items.*.error.type,items.*.error.reason"


def _is_transient(exc: os_errors.TransportError) -> bool:
    status = exc.status_code
    return not isinstance(status, int) or status in _TRANSIENT_STATUSES


@contextmanager
def translated(operation: str) -> Iterator[None]:
    """Turn opensearch-py errors raised inside the block into our write errors."""
    try:
        yield
    except os_errors.ConnectionError as exc:  # includes timeouts; status is "N/A"
        raise TransientWriteError(f"{operation}: OpenSearch unreachable") from exc
    except os_errors.TransportError as exc:
        if _is_transient(exc):
            raise TransientWriteError(f"{operation}: OpenSearch busy ({exc.status_code})") from exc
        raise WriteError(f"{operation}: refused ({exc.status_code} {exc.error})") from exc


class RecordWriter:
    """Requests against one write target: the alias (live worker) or a concrete index (rebuild).

    With ``require_alias`` every bulk fails rather than auto-creating an index named like the
    alias when the alias is missing.
    """

    def __init__(self, client: OpenSearch, *, target: str, require_alias: bool) -> None:
        self._client = client
        self.target = target
        self._require_alias = require_alias

    def bulk(self, ops: Sequence[BulkOp]) -> BulkOutcome:
        """Send ``ops`` in one bulk request and classify every item."""
        if not ops:
            return BulkOutcome(0, 0, (), ())
        # Moves rewrite hits in their concrete index; only writes to the alias require it.
        to_alias = self._require_alias and all(op.index == self.target for op in ops)
        # Only what classify reads comes back: each item's status and error, a third of the
        # answer's bytes to read and parse.
        params: dict[str, Any] = {"filter_path": BULK_ANSWER_FIELDS}
        if to_alias:
            params["require_alias"] = "true"
        with translated("bulk"):
            response = self._client.bulk(body=bulk_lines(ops), params=params)
        return classify(response, ops)

    def refresh(self) -> None:
        """Make everything written so far searchable."""
        with translated("refresh"):
            self._client.indices.refresh(index=self.target)

    def hits(self, query: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every hit of ``query`` with its ``_index``, ``_id``, ``_version`` and source (scroll)."""
        with translated("scan"):
            return list(
                scan(
                    self._client,
                    index=self.target,
                    query={"query": query, "version": True},
                    size=500,
                )
            )

    def routes(self, source_keys: Sequence[str]) -> dict[str, str]:
        """The routed person of each of ``source_keys`` that has a route.

        Not realtime: a move refreshes right after claiming its routes (``move_documents``),
        before any later flush asks, so the searcher already holds every route.
        """
        if not source_keys:
            return {}
        ids = [route_id(key) for key in source_keys]
        with translated("routes"):
            response = self._client.mget(
                index=self.target,
                body={"ids": ids},
                params={"realtime": "false", "_source": "source_key,person_id"},
            )
        return {
            doc["_source"]["source_key"]: doc["_source"]["person_id"]
            for doc in response["docs"]
            if doc.get("found")
        }

    def purge_tombstones(self, doc_ids: Sequence[str]) -> dict[str, int]:
        """Id -> version of those of ``doc_ids`` that are purge tombstones now (realtime mget)."""
        if not doc_ids:
            return {}
        with translated("purge tombstones"):
            response = self._client.mget(
                index=self.target, body={"ids": list(doc_ids)}, params={"_source": "operation"}
            )
        return {
            doc["_id"]: int(doc["_version"])
            for doc in response["docs"]
            if doc.get("found") and is_purge_tombstone(doc.get("_source") or {})
        }

    def summaries(self, person_ids: Sequence[str]) -> Mapping[str, Any]:
        """The ``summaries_search`` response for ``person_ids`` (one aggregation request)."""
        with translated("summaries search"):
            response: Mapping[str, Any] = self._client.search(
                index=self.target, body=summaries_search(person_ids)
            )
        return response


def connect(url: str, *, timeout_s: float = 30.0, ca_file: str = "") -> OpenSearch:
    """A client for ``url`` (its CA ``ca_file``, for https) that does not retry by itself:
    retries are the pipeline's job."""
    return opensearch_client(url, timeout_s=timeout_s, retries=False, ca_file=ca_file or None)
