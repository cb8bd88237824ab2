"""Every OpenSearch client of the project is built here, from a component's URL.

The URL carries the component's own user (``http://user:password@host:port``: the record
projection's, the query service's, the operators'; docs/security-stores.md), read from that
component's settings, so no client falls back to an account with more rights. A deployment with
TLS on HTTP gives ``https://`` URLs and its CA file (``ca_file``).
"""

from __future__ import annotations

from typing import Any

import orjson
from opensearchpy import OpenSearch
from opensearchpy.exceptions import SerializationError
from opensearchpy.serializer import JSONSerializer

__all__ = ["OrjsonSerializer", "connect"]


class OrjsonSerializer(JSONSerializer):
    """The client's JSON in orjson: the same text for the same values (compact, UTF-8, dates
    in ISO 8601), in a fraction of the CPU; what orjson cannot write natively goes through
    the stock serializer's ``default``. Responses are parsed by orjson too."""

    def loads(self, s: str) -> Any:
        try:
            return orjson.loads(s)
        except orjson.JSONDecodeError as exc:
            raise SerializationError(s, exc) from exc

    def dumps(self, data: Any) -> Any:
        if isinstance(data, str):
            return data
        try:
            return orjson.dumps(data, default=self.default).decode("utf-8")
        except TypeError as exc:
            raise SerializationError(data, exc) from exc


def connect(
    url: str,
    *,
    timeout_s: float = 30.0,
    retries: bool = True,
    ca_file: str | None = None,
    pool_size: int = 10,
) -> OpenSearch:
    """A client on ``url`` with its credentials; without ``retries`` it never retries by
    itself (the pipeline retries on its own terms); ``ca_file`` verifies an https node.

    ``pool_size`` connections are kept open: a client used from more threads at once than
    that opens a connection (a TLS handshake) for each extra request and throws it away."""
    options: dict[str, Any] = {
        "timeout": timeout_s,
        "maxsize": pool_size,
        "serializer": OrjsonSerializer(),
    }
    if not retries:
        options |= {"max_retries": 0, "retry_on_timeout": False}
    if ca_file:
        options |= {"ca_certs": ca_file, "verify_certs": True}
    return OpenSearch(hosts=[url], **options)
