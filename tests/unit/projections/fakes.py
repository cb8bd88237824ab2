"""Test doubles for the projection's own seams (never for Kafka or OpenSearch themselves)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from projections.record.bulk import BulkOp, BulkOutcome, ItemFailure
from projections.record.errors import TransientWriteError


class FakeProducer:
    """Records produce calls; delivery reports fail while ``failing`` is positive."""

    def __init__(self, failing: int = 0, stuck: bool = False) -> None:
        self.failing = failing
        self.stuck = stuck
        self.produced: list[dict[str, Any]] = []
        self._callbacks: list[Callable[[object, object], None]] = []

    def produce(self, topic: str, **kwargs: Any) -> None:
        self.produced.append({"topic": topic, **kwargs})
        self._callbacks.append(kwargs["on_delivery"])

    def poll(self, timeout: float = 0) -> int:
        return 0

    def flush(self, timeout: float = 0) -> int:
        if self.stuck:
            return len(self._callbacks)
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            error = "broker down" if self.failing > 0 else None
            self.failing -= 1
            callback(error, None)
        return 0


NO_BUCKETS = {"aggregations": {"persons": {"buckets": []}}}


class FakeWriter:
    """Records every request in order; fails the first ``failures`` bulks; rejects chosen ids."""

    target = "record"

    def __init__(self, failures: int = 0, reject: dict[str, ItemFailure] | None = None) -> None:
        self.failures = failures
        self.reject = reject or {}
        self.calls: list[tuple[str, Any]] = []
        self.written: list[str] = []

    def bulk(self, ops: Sequence[BulkOp]) -> BulkOutcome:
        self.calls.append(("bulk", [op.doc_id for op in ops]))
        if self.failures > 0:
            self.failures -= 1
            raise TransientWriteError("bulk: OpenSearch unreachable")
        rejected = tuple(
            ItemFailure(i, 400, self.reject[op.doc_id].error_type, self.reject[op.doc_id].field)
            for i, op in enumerate(ops)
            if op.doc_id in self.reject
        )
        self.written.extend(op.doc_id for op in ops if op.doc_id not in self.reject)
        return BulkOutcome(len(ops) - len(rejected), 0, rejected, ())

    def purge_tombstones(self, doc_ids: Sequence[str]) -> dict[str, int]:
        self.calls.append(("purge tombstones", list(doc_ids)))
        return {}

    def routes(self, source_keys: Sequence[str]) -> dict[str, str]:
        self.calls.append(("routes", list(source_keys)))
        return {}

    def refresh(self) -> None:
        self.calls.append(("refresh", None))

    def hits(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        self.calls.append(("hits", query))
        if "terms" in query["bool"]["filter"][0]:  # a move: nothing to move in these tests
            return []
        return [
            {
                "_index": "record-v1-1",
                "_id": f"doc{i}",
                "_version": 1,
                "_source": {"person_id": "P1", "doc_kind": "item"},
            }
            for i in range(5)
        ]

    def summaries(self, person_ids: Sequence[str]) -> dict[str, Any]:
        self.calls.append(("summaries", list(person_ids)))
        return NO_BUCKETS
