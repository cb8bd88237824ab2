"""Kafka security on the real broker: who gets in, what each principal may do, and that no
organisation can get an event accepted as another (docs/security.md)."""

from __future__ import annotations

import socket
import ssl
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient
from pydantic import SecretStr

from deploy.local import StackSettings
from mcr.core.kafka_acls import PROJECTION, QUERY
from mcr.core.kafka_client import KafkaClientSettings
from mcr.core.kafka_principals import (
    KafkaCredentials,
    provision_organisation,
    rotate_organisation_credentials,
    write_secret,
)
from producers.sdk import Publisher, PublisherConfig
from schemas.codec import encode
from schemas.events import DLQ_REASON, organisation_topic
from streams.identity.offline.sandbox import Sandbox, TopicReader
from tests.unit.projections.builders import patient_event, result_event


def _as(
    kafka: KafkaClientSettings, credentials: KafkaCredentials, folder: Path
) -> KafkaClientSettings:
    secret = write_secret(folder / f"{credentials.username}.password", credentials.password)
    return kafka.as_principal(credentials.username, secret)


def _can_connect(kafka: KafkaClientSettings) -> bool:
    """True when the broker answers a metadata request (after TLS and SCRAM, if any)."""
    admin = AdminClient(kafka.config(**{"socket.connection.setup.timeout.ms": 3000}))
    try:
        admin.list_topics(timeout=6)
    except KafkaException:
        return False
    return True


def _produce(kafka: KafkaClientSettings, topic: str, value: bytes = b"x") -> KafkaError | None:
    """Produce one message; the delivery error (None when it was written)."""
    errors: list[KafkaError | None] = []
    producer = Producer(kafka.config(**{"message.timeout.ms": 10000}))
    producer.produce(topic, value=value, on_delivery=lambda err, _msg: errors.append(err))
    producer.flush(15)
    return errors[0] if errors else KafkaError(KafkaError._MSG_TIMED_OUT)


@pytest.fixture
def prefix(stack: StackSettings) -> Iterator[str]:
    """A fresh topic prefix; its topics are removed afterwards."""
    made = f"t.sec.{uuid.uuid4().hex[:8]}."
    yield made
    admin = AdminClient(stack.kafka_admin.config())
    names = [t for t in admin.list_topics(timeout=10).topics if t.startswith(made)]
    if names:
        for future in admin.delete_topics(names).values():
            future.result(timeout=30)


def test_the_admin_and_each_component_can_connect(stack: StackSettings) -> None:
    """The principals made at stack up authenticate with their password files."""
    assert _can_connect(stack.kafka_admin)
    assert _can_connect(stack.kafka_client(PROJECTION))


def test_a_wrong_password_is_refused(stack: StackSettings, tmp_path: Path) -> None:
    """SCRAM with the right user and a wrong password: no metadata, no connection."""
    wrong = write_secret(tmp_path / "wrong.password", SecretStr("not-the-password"))
    assert not _can_connect(stack.kafka_admin.as_principal("mcr-admin", wrong))


def test_an_unknown_principal_is_refused(stack: StackSettings, tmp_path: Path) -> None:
    """A user the broker has no SCRAM credential for cannot authenticate."""
    secret = write_secret(tmp_path / "x.password", SecretStr("whatever"))
    assert not _can_connect(stack.kafka_admin.as_principal("org-NOSUCH", secret))


def test_a_plaintext_client_is_refused(stack: StackSettings) -> None:
    """The client port speaks only TLS: a PLAINTEXT client gets no metadata."""
    plain = KafkaClientSettings(bootstrap=stack.kafka_bootstrap, security_protocol="PLAINTEXT")
    assert not _can_connect(plain)


def test_the_controller_demands_a_client_certificate(stack: StackSettings) -> None:
    """A TLS client without a certificate of our CA cannot complete the controller handshake."""
    context = ssl.create_default_context(cafile=str(stack.kafka_ca_file))
    with (
        socket.create_connection((stack.host, stack.kafka_controller_port), timeout=5) as raw,
        pytest.raises((ssl.SSLError, ConnectionError, OSError)),
        context.wrap_socket(raw, server_hostname=stack.host) as tls,
    ):
        tls.sendall(b"\x00")  # TLS 1.3 reports the missing certificate on first use
        tls.recv(1)


def test_an_organisation_cannot_write_another_organisations_topic(
    stack: StackSettings, prefix: str, tmp_path: Path
) -> None:
    """org-RC9 writes its own topic; RD8's topic (and the asserted one) refuse it."""
    admin = AdminClient(stack.kafka_admin.config())
    rc9 = _as(
        stack.kafka_admin, provision_organisation(admin, "RC9", topic_prefix=prefix), tmp_path
    )
    provision_organisation(admin, "RD8", topic_prefix=prefix)

    assert _produce(rc9, organisation_topic("RC9", prefix=prefix)) is None
    refused = _produce(rc9, organisation_topic("RD8", prefix=prefix))
    assert refused is not None and refused.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


def test_rotation_locks_out_the_old_secret(
    stack: StackSettings, prefix: str, tmp_path: Path
) -> None:
    """After rotate_organisation_credentials only the new password authenticates."""
    admin = AdminClient(stack.kafka_admin.config())
    old = _as(stack.kafka_admin, provision_organisation(admin, "Y01", topic_prefix=prefix),
              tmp_path / "old")  # fmt: skip
    assert _can_connect(old)
    new = _as(stack.kafka_admin, rotate_organisation_credentials(admin, "Y01"), tmp_path / "new")

    assert not _can_connect(old)
    assert _can_connect(new)


def test_a_component_cannot_do_what_it_has_no_acl_for(stack: StackSettings) -> None:
    """The projection cannot write a source topic, nor the query service the linked topic."""
    provision_organisation(AdminClient(stack.kafka_admin.config()), "SC1")
    refused = _produce(stack.kafka_client(PROJECTION), organisation_topic("SC1"))
    assert refused is not None and refused.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    refused = _produce(stack.kafka_client(QUERY), "mcr.linked")
    assert refused is not None and refused.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


def _wait_for(reader: TopicReader, count: int, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while len(reader.messages) < count and time.monotonic() < deadline:
        reader.poll(0.5)


def test_a_forged_organisation_is_dead_lettered_not_linked(
    streams_sandbox: Sandbox, stack: StackSettings, tmp_path: Path
) -> None:
    """org-RC9 publishes, on its own topic, a result claiming to come from RD8: it never
    reaches mcr.linked and lands on mcr.dlq naming the rule; RC9's own event is linked."""
    box = streams_sandbox
    admin = AdminClient(stack.kafka_admin.config())
    rc9 = _as(box.kafka, provision_organisation(admin, "RC9", topic_prefix=box.settings.topic_prefix),
              tmp_path)  # fmt: skip
    own = patient_event(org="RC9", local_patient_id="SEC-1", source_record_id="SEC-1")
    forged = result_event(org="RD8", local_patient_id="SEC-2", source_record_id="SEC-2")
    topic = organisation_topic("RC9", prefix=box.settings.topic_prefix)
    assert _produce(rc9, topic, encode(own)) is None
    assert _produce(rc9, topic, encode(forged)) is None

    linked, dlq = (TopicReader(box.kafka, box.settings.linked_topic),
                   TopicReader(box.kafka, box.settings.dlq_topic))  # fmt: skip
    try:
        _wait_for(dlq, 1)
        _wait_for(linked, 1)
    finally:
        linked.close()
        dlq.close()
    assert [m.value for m in linked.messages] == [encode(own)]
    assert [m.headers[DLQ_REASON].decode() for m in dlq.messages] == [
        "ForgedOrganisation: header.org is not the organisation of the source topic"
    ]
    assert dlq.messages[0].value == encode(forged)
    log = (tmp_path / "worker.log").read_text()
    assert "forged=1" in log and "identity refused events of a forged organisation" in log


def test_the_sdk_routes_each_event_to_its_organisations_topic(
    stack: StackSettings, prefix: str, tmp_path: Path
) -> None:
    """A publisher as org-E81001 sends E81001's events to mcr.source.E81001; one claiming
    another organisation is refused by the broker (not its topic)."""
    admin = AdminClient(stack.kafka_admin.config())
    gp = _as(stack.kafka_admin, provision_organisation(admin, "E81001", topic_prefix=prefix),
             tmp_path)  # fmt: skip
    provision_organisation(admin, "RD8", topic_prefix=prefix)
    config = PublisherConfig(kafka=gp, topic_prefix=prefix, delivery_timeout_ms=10000)
    with Publisher(config) as publisher:
        publisher.publish(patient_event(org="E81001"))
        publisher.publish(result_event(org="RD8"))
        stats = publisher.flush(20)
    assert (stats.delivered, stats.failed) == (1, 1)
    assert set(stats.failures) == {"TOPIC_AUTHORIZATION_FAILED"}
