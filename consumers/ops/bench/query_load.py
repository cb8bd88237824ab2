"""Open-loop HTTP load at a fixed rate against the query service, and its latencies.

Request ``i`` is due at ``start + i / rate`` whatever happened to the ones before (open loop),
and its latency runs from when it was *due*, not from when a thread got round to sending it:
a service that stalls is charged for the queue it causes (no coordinated omission). A few
threads, each with one keep-alive connection, send the requests; ``paths`` are used in turn,
each named by its kind (the record, a FHIR search, ``$everything``) so each kind gets its own
percentiles as well as the whole.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from queue import Empty, Queue
from typing import Any
from urllib.parse import urlsplit

from consumers.ops.bench.percentiles import percentile

__all__ = ["QueryLoadResult", "due_times", "run_query_load"]


def due_times(*, rate: float, duration_s: float) -> list[float]:
    """Offsets (seconds from the start) at which each request is due. Pure."""
    if rate <= 0 or duration_s <= 0:
        raise ValueError("rate and duration_s: must be more than 0")
    return [i / rate for i in range(int(rate * duration_s))]


def _summary(latencies_ms: Sequence[float]) -> dict[str, float]:
    values = latencies_ms or [0.0]
    return {
        "p50_ms": round(percentile(values, 50), 1),
        "p90_ms": round(percentile(values, 90), 1),
        "p99_ms": round(percentile(values, 99), 1),
        "max_ms": round(max(values), 1),
    }


@dataclass(frozen=True)
class QueryLoadResult:
    """What the load saw: requests sent, answers by status, latency percentiles (ms), in all
    and by kind of request."""

    requests: int
    statuses: Mapping[int, int]
    latencies_ms: Sequence[float] = field(repr=False)
    duration_s: float
    by_kind: Mapping[str, Sequence[float]] = field(default_factory=dict, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The summary as JSON-ready values (milliseconds to 0.1)."""
        return {
            "requests": self.requests,
            "ok": self.statuses.get(200, 0),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "achieved_rate": round(self.requests / self.duration_s, 1) if self.duration_s else 0,
            **_summary(self.latencies_ms),
            "by_kind": {
                kind: {"requests": len(values), **_summary(values)}
                for kind, values in sorted(self.by_kind.items())
            },
        }


class _Client:
    """One keep-alive connection; reconnects when the server closed it."""

    def __init__(self, base_url: str, headers: Mapping[str, str]) -> None:
        parts = urlsplit(base_url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._headers = dict(headers)
        self._conn: http.client.HTTPConnection | None = None

    def get(self, path: str) -> int:
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self._host, self._port, timeout=30)
            try:
                self._conn.request("GET", path, headers=self._headers)
                response = self._conn.getresponse()
                response.read()
                return response.status
            except (http.client.HTTPException, OSError):
                self._conn.close()
                self._conn = None
                if attempt == 2:
                    return 0
        return 0


def run_query_load(
    *,
    base_url: str,
    headers: Mapping[str, str],
    paths: Sequence[tuple[str, str]],
    rate: float,
    duration_s: float,
    threads: int = 8,
) -> QueryLoadResult:
    """Send GET ``paths`` (``(kind, path)``, in turn) at ``rate`` per second for
    ``duration_s``; status 0 means no answer. Raises ValueError when ``paths`` is empty."""
    if not paths:
        raise ValueError("paths: at least one path to request")
    due = due_times(rate=rate, duration_s=duration_s)
    work: Queue[tuple[float, tuple[str, str]]] = Queue()
    latencies: list[float] = []
    by_kind: dict[str, list[float]] = {}
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    start = time.monotonic() + 0.2

    def worker() -> None:
        client = _Client(base_url, headers)
        while True:
            try:
                at, (kind, path) = work.get(timeout=1.0)
            except Empty:
                return
            wait = at - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            status = client.get(path)
            took_ms = (time.monotonic() - at) * 1000
            with lock:
                statuses[status] += 1
                latencies.append(took_ms)
                by_kind.setdefault(kind, []).append(took_ms)

    for i, offset in enumerate(due):
        work.put((start + offset, paths[i % len(paths)]))
    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return QueryLoadResult(
        len(due), dict(statuses), latencies, time.monotonic() - start, by_kind=by_kind
    )
