"""The query bench's open-loop load: due times, and latencies charged from when a request was
due (a slow server is charged for the queue it causes)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from consumers.ops.bench.query import request_paths
from consumers.ops.bench.query_load import due_times, run_query_load


def test_due_times_are_evenly_spaced_at_the_rate() -> None:
    """50 requests a second for 0.1 s: five requests, 20 ms apart."""
    assert due_times(rate=50, duration_s=0.1) == pytest.approx([0.0, 0.02, 0.04, 0.06, 0.08])
    with pytest.raises(ValueError, match="more than 0"):
        due_times(rate=0, duration_s=1)


class _Slow(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    delay_s = 0.0

    def do_GET(self) -> None:
        time.sleep(self.delay_s)
        status = 200 if self.path.startswith("/ok") else 404
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_statuses_are_counted_per_path_and_latencies_by_kind(server: ThreadingHTTPServer) -> None:
    """Paths are used in turn; every answer is counted by status, and each kind of request
    gets its own percentiles."""
    _Slow.delay_s = 0.0
    url = f"http://127.0.0.1:{server.server_address[1]}"
    result = run_query_load(base_url=url, headers={}, paths=[("a", "/ok"), ("b", "/missing")],
                            rate=100, duration_s=0.2)  # fmt: skip
    assert result.requests == 20 and result.statuses == {200: 10, 404: 10}
    summary = result.to_json()
    assert summary["ok"] == 10
    assert {k: v["requests"] for k, v in summary["by_kind"].items()} == {"a": 10, "b": 10}
    assert set(summary["by_kind"]["a"]) == {"requests", "p50_ms", "p90_ms", "p99_ms", "max_ms"}


def test_request_paths_ask_the_record_a_fhir_search_and_everything_for_each_person() -> None:
    paths = request_paths(["p1", "p2"])
    assert [kind for kind, _ in paths] == ["record", "fhir_search", "fhir_everything"] * 2
    assert paths[4] == ("fhir_search", "/fhir/R4/Observation?patient=Patient/p2&_count=20")


def test_a_server_slower_than_the_rate_is_charged_for_the_queue(
    server: ThreadingHTTPServer,
) -> None:
    """One thread, a 50 ms server and a request due every 10 ms: latencies grow with the
    queue. The fifth answer cannot come before 250 ms (due at 40), the tenth before 500 ms
    (due at 90): timed from sending instead, each would look like ~50 ms."""
    _Slow.delay_s = 0.05
    url = f"http://127.0.0.1:{server.server_address[1]}"
    result = run_query_load(base_url=url, headers={}, paths=[("a", "/ok")], rate=100, duration_s=0.1,
                            threads=1)  # fmt: skip
    summary = result.to_json()
    assert summary["requests"] == 10 and summary["max_ms"] >= 400 and summary["p50_ms"] >= 200
