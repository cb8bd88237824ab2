"""OpenSearch answers only its users, each within its role: the projection writes the record's
indices, the query service only reads them, nobody anonymous; HTTP and the transport speak TLS
with certificates of the local CA; the node listens on loopback only."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

import pytest
from opensearchpy import OpenSearch
from opensearchpy.exceptions import (
    AuthenticationException,
    AuthorizationException,
    ConnectionError,
    SSLError,
)

from deploy.local import StackSettings
from deploy.local.opensearch_tls import Certificates
from tests.conftest import unique_name


def _client(stack: StackSettings, user: str, password: str | None = None) -> OpenSearch:
    ca = str(stack.opensearch_ca_file)
    if password is None:
        return OpenSearch(hosts=[stack.opensearch_user_url(user)], timeout=30, ca_certs=ca)
    return OpenSearch(hosts=[stack.opensearch_address], http_auth=(user, password), timeout=30,
                      ca_certs=ca)  # fmt: skip


@pytest.fixture
def record_alias(stack: StackSettings) -> Iterator[str]:
    """A record-like alias (``t-...``) with one document, made by the projection's user."""
    alias = unique_name("t-sec").replace("_", "-")
    writer = _client(stack, "mcr_projection")
    writer.indices.create(index=f"{alias}-v1", body={"aliases": {alias: {"is_write_index": True}}})
    writer.index(index=alias, id="1", body={"doc_kind": "patient"}, refresh=True)
    yield alias
    _client(stack, "admin").indices.delete(index=f"{alias}-v1", ignore_unavailable=True)
    writer.close()


def test_nobody_anonymous_and_no_wrong_password(stack: StackSettings) -> None:
    """Without credentials, or with a wrong password, every request is 401."""
    anonymous = OpenSearch(hosts=[stack.opensearch_address], timeout=30,
                           ca_certs=str(stack.opensearch_ca_file))  # fmt: skip
    with pytest.raises(AuthenticationException):
        anonymous.cluster.health()
    for user in ("admin", "mcr_projection", "mcr_query", "mcr_operator"):
        with pytest.raises(AuthenticationException):
            _client(stack, user, "wrong-password").cluster.health()


def test_the_query_service_only_reads_the_record(stack: StackSettings, record_alias: str) -> None:
    """The query user searches the alias, and may not write, delete, create or read
    anything else (the security index included)."""
    reader = _client(stack, "mcr_query")
    assert reader.search(index=record_alias)["hits"]["total"]["value"] == 1
    attempts = (
        lambda: reader.index(index=record_alias, id="2", body={"doc_kind": "x"}),
        lambda: reader.delete(index=record_alias, id="1"),
        lambda: reader.indices.create(index=unique_name("t-new").replace("_", "-")),
        lambda: reader.indices.delete(index=f"{record_alias}-v1"),
        lambda: reader.search(index=".opendistro_security"),
    )
    for attempt in attempts:
        with pytest.raises(AuthorizationException):
            attempt()


def test_the_projection_writes_only_record_indices(stack: StackSettings) -> None:
    """The projection's user creates and writes record indices, nothing outside their
    names, and cannot read the security index or change users."""
    writer = _client(stack, "mcr_projection")
    with pytest.raises(AuthorizationException):
        writer.indices.create(index=unique_name("other").replace("_", "-"))
    with pytest.raises(AuthorizationException):
        writer.search(index=".opendistro_security")
    with pytest.raises(AuthorizationException):
        writer.transport.perform_request("GET", "/_plugins/_security/api/internalusers")


def test_operators_read_and_write_the_record(stack: StackSettings, record_alias: str) -> None:
    """The operators' user (rebuild, verify) reads and writes the record indices."""
    operator = _client(stack, "mcr_operator")
    operator.index(index=record_alias, id="2", body={"doc_kind": "result"}, refresh=True)
    assert operator.count(index=record_alias)["count"] == 2
    with pytest.raises(AuthorizationException):
        operator.search(index=".opendistro_security")


def test_the_transport_speaks_tls_with_the_local_cas_certificate(stack: StackSettings) -> None:
    """The node-to-node port completes a TLS handshake (with the admin's client certificate)
    and shows the node certificate signed by the stack's CA."""
    certs = Certificates(stack.service_dir("opensearch") / "config")
    context = ssl.create_default_context(cafile=str(certs.ca))
    context.check_hostname = False
    context.load_cert_chain(str(certs.admin), str(certs.admin_key))
    with (
        socket.create_connection((stack.host, stack.opensearch_transport_port), timeout=10) as raw,
        context.wrap_socket(raw) as tls,
    ):
        subject = dict(item[0] for item in tls.getpeercert()["subject"])
    assert subject["commonName"] == "node-1.mcr.local"


def test_http_is_tls_with_the_local_cas_certificate(stack: StackSettings) -> None:
    """The HTTP port verifies against the local CA only; plain HTTP gets no answer."""
    with pytest.raises(SSLError):
        OpenSearch(hosts=[stack.opensearch_user_url("admin")], timeout=10,
                   max_retries=0).cluster.health()  # fmt: skip
    plain = stack.opensearch_user_url("admin").replace("https://", "http://")
    with pytest.raises(ConnectionError):
        OpenSearch(hosts=[plain], timeout=10, max_retries=0).cluster.health()


def test_the_node_listens_on_loopback_only(stack: StackSettings) -> None:
    """HTTP and transport are bound and published on 127.0.0.1."""
    nodes = _client(stack, "admin").nodes.info(metric="http,transport")["nodes"]
    (node,) = nodes.values()
    for part in ("http", "transport"):
        assert all(a.startswith("127.0.0.1:") for a in node[part]["bound_address"])
        assert node[part]["publish_address"].startswith("127.0.0.1:")
