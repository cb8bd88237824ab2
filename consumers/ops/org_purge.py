"""``mcr org purge``: remove everything one organisation shared from the record, with a receipt.

Steps (each restartable; the projection obeys a purge idempotently):

1. The organisation must be registered and **suspended** first, so nothing new of it enters
   the record after the purge (identity dead-letters a suspended organisation's events).
2. A receipt is opened (``mcr.core.receipts``): who asked, who ran it, why, when.
3. Its events still held by the identity stage (waiting for a link or a review, never
   forwarded) are dropped, so no later release brings them in after the purge.
4. A ``purge-organisation`` command (``schemas.commands``) goes to *every* partition of the
   projection's source topic, so it is ordered after everything already on each partition.
5. We wait until the projection's consumer group has committed past every copy: each was
   applied (the worker commits only after a purge has been written and refreshed).
6. The record is asked how many documents now carry the purge's command id (the purge
   tombstones it left: items and patient documents), and that nothing of the organisation is
   still visible; the receipt is completed with ``{"record": <count>, "identity_held":
   <count>}``.

A wait that times out leaves the receipt open (``mcr org receipts`` shows it pending) and says
so; running the purge again is safe.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient
from opensearchpy import OpenSearch

from consumers.ops.errors import OpsError
from consumers.ops.groups import committed_offsets
from mcr.core import org_registry, receipts
from mcr.core.kafka_client import KafkaClientSettings
from schemas.commands import PurgeOrganisation, organisation_purge_message
from schemas.organisations import OrgStatus
from streams.identity import outbox
from streams.identity.connections import connect as connect_mpi

__all__ = ["PurgeRequest", "PurgeTargets", "purge_organisation", "send_to_every_partition"]

RECORD_STORE = "record"
HELD_STORE = "identity_held"
_POLL_S = 0.5


@dataclass(frozen=True)
class PurgeTargets:
    """Where the purge goes and where its effect is read."""

    kafka: KafkaClientSettings
    postgres_dsn: str
    registry_schema: str
    receipts_schema: str
    identity_schema: str
    source_topic: str
    group_id: str
    alias: str


@dataclass(frozen=True)
class PurgeRequest:
    """Who asks to purge which organisation, and why."""

    ods_code: str
    reason: str
    requested_by: str
    operator: str


def _check_suspended(targets: PurgeTargets, ods_code: str) -> None:
    with org_registry.connect(targets.postgres_dsn, targets.registry_schema) as conn:
        org = org_registry.get(conn, ods_code)
    if org.status is not OrgStatus.SUSPENDED:
        raise OpsError(
            f"status: the organisation is {org.status}; suspend it first (mcr org suspend) "
            "so that nothing new of it enters the record after the purge"
        )


def send_to_every_partition(
    kafka: KafkaClientSettings, topic: str, command: PurgeOrganisation
) -> dict[int, int]:
    """Send ``command`` once to each partition of ``topic``; returns partition -> offset."""
    key, value, message_headers = organisation_purge_message(command)
    headers: list[tuple[str, str | bytes | None]] = list(message_headers)
    producer = Producer(kafka.config(acks="all"))
    metadata = producer.list_topics(topic, timeout=30).topics[topic]
    if metadata.error is not None:
        raise OpsError(f"topic {topic}: not found")
    offsets: dict[int, int] = {}

    def delivered(error: Any, message: Any) -> None:
        if error is None:
            offsets[message.partition()] = message.offset()

    for partition in sorted(metadata.partitions):
        producer.produce(topic, value, key, partition=partition, headers=headers,
                         on_delivery=delivered)  # fmt: skip
    producer.flush(30)
    if len(offsets) != len(metadata.partitions):
        raise OpsError(f"topic {topic}: the purge was not delivered to every partition")
    return offsets


def _applied(admin: AdminClient, group: str, topic: str, offsets: Mapping[int, int]) -> bool:
    partitions = [(topic, p) for p in offsets]
    committed = committed_offsets(admin, group, partitions)
    return all((committed.get((topic, p)) or -1) > offset for p, offset in offsets.items())


def _wait_applied(targets: PurgeTargets, offsets: Mapping[int, int], timeout_s: float) -> bool:
    admin = AdminClient(targets.kafka.config())
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if _applied(admin, targets.group_id, targets.source_topic, offsets):
            return True
        time.sleep(_POLL_S)
    return False


def _count(client: OpenSearch, alias: str, query: Mapping[str, Any]) -> int:
    client.indices.refresh(index=alias)
    return int(client.count(index=alias, body={"query": query})["count"])


def purged_documents(client: OpenSearch, alias: str, command_id: str) -> int:
    """How many documents carry the purge tombstone of ``command_id``."""
    return _count(client, alias, {"bool": {"filter": [
        {"term": {"event_id": command_id}}, {"term": {"operation": "PURGE"}}]}})  # fmt: skip


def visible_documents(client: OpenSearch, alias: str, ods_code: str) -> int:
    """How many of the organisation's documents readers would still see."""
    return _count(client, alias, {"bool": {"filter": [
        {"term": {"org": ods_code}}, {"term": {"deleted": False}}]}})  # fmt: skip


def purge_organisation(
    targets: PurgeTargets,
    request: PurgeRequest,
    client: OpenSearch,
    *,
    timeout_s: float = 120.0,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> receipts.Receipt:
    """Purge the organisation from the record and return its receipt (see the module
    docstring); OpsError when it is not suspended, the command cannot be sent, or the
    projection has not applied it within ``timeout_s`` (the receipt then stays open)."""
    _check_suspended(targets, request.ods_code)
    with receipts.connect(targets.postgres_dsn, targets.receipts_schema) as conn:
        receipt = receipts.open_receipt(
            conn, subject_kind=receipts.PurgeSubject.ORGANISATION, subject=request.ods_code,
            reason=request.reason, requested_by=request.requested_by,
            operator=request.operator, requested_at=clock(),
        )  # fmt: skip
    with connect_mpi(targets.postgres_dsn, targets.identity_schema, create=False) as mpi:
        held = outbox.discard_unforwarded(mpi, request.ods_code)
    command = PurgeOrganisation(request.ods_code, receipt.command_id, request.reason)
    offsets = send_to_every_partition(targets.kafka, targets.source_topic, command)
    if not _wait_applied(targets, offsets, timeout_s):
        raise OpsError(
            f"the record projection (group {targets.group_id}) has not applied the purge "
            f"within {timeout_s:.0f} s: receipt {receipt.receipt_id} stays open; is "
            "`mcr record run` running? Running the purge again is safe"
        )
    if visible_documents(client, targets.alias, request.ods_code):
        raise OpsError("the record still shows documents of the organisation: run it again")
    removed = purged_documents(client, targets.alias, receipt.command_id)
    with receipts.connect(targets.postgres_dsn, targets.receipts_schema) as conn:
        stores = {RECORD_STORE: removed, HELD_STORE: held}
        return receipts.complete(conn, receipt.command_id, stores=stores, at=clock())
