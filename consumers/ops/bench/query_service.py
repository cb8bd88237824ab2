"""The query service as the query bench runs it: in its own process (``mcr api serve``, as a
deployment runs it, so the load generator and the ingest never share its interpreter), on the
bench's space, signed in as the local realm's demo GP. Thin I/O; local benchmarking only (it
uses the realm's test client)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable

from consumers.ops.bench.errors import BenchError
from consumers.ops.bench.space import BenchSpace
from consumers.ops.bench.workers import stop_process
from deploy.local.settings import StackSettings

__all__ = ["bench_token", "serve_space"]

#: The local realm's demo GP and its password (synthetic, documented in docs/auth.md).
BENCH_USER, BENCH_PASSWORD, BENCH_CLIENT = "demo-gp", "mcr-demo-only", "mcr-test"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_serving(url: str, process: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"query service exited with code {process.returncode} at start")
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=2):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.2)
    raise BenchError(f"query service not answering after {timeout_s:.0f} s")


def serve_space(
    stack: StackSettings,
) -> Callable[[BenchSpace, str], tuple[str, Callable[[], None], int]]:
    """A function that starts ``mcr api serve`` on a space's alias and consent schema, with its
    own audit schema, and returns its URL, a stop function (SIGTERM, then wait) and its pid."""

    def serve(space: BenchSpace, audit_schema: str) -> tuple[str, Callable[[], None], int]:
        port = _free_port()
        env = {
            **os.environ,
            **stack.client_environment(),
            "MCR_RECORD_ALIAS": space.alias,
            "MCR_CONSENT_SCHEMA": space.consent_schema,
            "MCR_API_AUDIT_SCHEMA": audit_schema,
            "MCR_API_PORT": str(port),
            "MCR_AUDIT_KEY_FILE": str(stack.audit_key_file),
            **stack.kafka_admin.environment(with_user=False),  # runs as mcr-query
        }
        command = [sys.executable, "-m", "mcr", "api", "serve"]
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        _wait_serving(url, process)

        def stop() -> None:
            stop_process(process, timeout_s=30)

        return url, stop, process.pid

    return serve


def bench_token(stack: StackSettings) -> Callable[[], str]:
    """A function giving a fresh access token of the demo GP (password grant, test client)."""

    def token() -> str:
        form = urllib.parse.urlencode({"grant_type": "password", "client_id": BENCH_CLIENT,
                                       "username": BENCH_USER, "password": BENCH_PASSWORD,
                                       "scope": "openid"}).encode()  # fmt: skip
        url = f"{stack.auth_issuer}/protocol/openid-connect/token"
        with urllib.request.urlopen(url, data=form, timeout=10) as answer:  # noqa: S310 - loopback issuer
            return str(json.loads(answer.read())["access_token"])

    return token
