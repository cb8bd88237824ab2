"""The query service as the query bench runs it: on the bench's space, signed in as the local
realm's demo GP. Thin I/O; local benchmarking only (it uses the realm's test client)."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Callable

from consumers.api.auth import AuthSettings
from consumers.api.server import build_service, start_in_thread
from consumers.api.settings import ApiSettings
from consumers.ops.bench.space import BenchSpace
from deploy.local.settings import StackSettings

__all__ = ["bench_token", "serve_space"]

#: The local realm's demo GP and its password (synthetic, documented in docs/auth.md).
BENCH_USER, BENCH_PASSWORD, BENCH_CLIENT = "demo-gp", "mcr-demo-only", "mcr-test"


def serve_space(
    stack: StackSettings,
) -> Callable[[BenchSpace, str], tuple[str, Callable[[], None]]]:
    """A function that starts the service on a space's alias and consent schema, with its own
    audit schema, and returns its URL and a stop function."""

    def serve(space: BenchSpace, audit_schema: str) -> tuple[str, Callable[[], None]]:
        settings = ApiSettings(
            port=0, opensearch_url=stack.opensearch_url, alias=space.alias,
            postgres_dsn=stack.postgres_dsn, consent_schema=space.schema,
            audit_schema=audit_schema, audit_key_file=str(stack.audit_key_file),
            kafka_bootstrap=stack.kafka_bootstrap,
        )  # fmt: skip
        service = build_service(settings, AuthSettings.from_env())
        server = start_in_thread(service.app)

        def stop() -> None:
            server.stop()
            service.close()

        return server.url, stop

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
