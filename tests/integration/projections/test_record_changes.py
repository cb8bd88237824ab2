"""Identity changes, purges, dead letters and outages against real Kafka and OpenSearch."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from opensearchpy import OpenSearch
from opensearchpy import exceptions as os_errors

from projections.record.bulk import BulkOp
from projections.record.errors import TransientWriteError
from projections.record.settings import RecordSettings
from projections.record.writer import RecordWriter, connect
from schemas.commands import PurgePerson, purge_message
from tests.integration.projections.conftest import (
    RunningWorker,
    all_documents,
    committed,
    consume_all,
    produce,
    wait_until,
)
from tests.unit.projections.builders import (
    encounter_event,
    identity_change,
    linked,
    patient_event,
    result_event,
)

Docs = dict[str, dict[str, Any]]
#: All a purge tombstone holds: no person, no source key, no provenance, no clinical content.
PURGE_TOMBSTONE_FIELDS = {"doc_kind", "record_type", "org", "source_record_id", "record_version",
                          "operation", "event_id", "deleted", "_version"}  # fmt: skip


def _purged(docs: Docs) -> Docs:
    """The purge tombstones among ``docs`` (checked to hold nothing but their id fields)."""
    purged = {k: d for k, d in docs.items() if d.get("operation") == "PURGE"}
    for doc in purged.values():
        assert set(doc) == PURGE_TOMBSTONE_FIELDS and doc["deleted"] is True
    return purged


def _kept(docs: Docs) -> Docs:
    """``docs`` less the purge tombstones."""
    purged = _purged(docs)
    return {k: d for k, d in docs.items() if k not in purged}


def _layout(docs: Docs) -> Docs:
    """Documents without the summary's computation time and internal version (it is derived
    and rewritten on every change)."""
    out: Docs = dict(docs)
    for key in (k for k in docs if k.startswith("summary|")):
        summary = {**docs[key]["summary"], "computed_at": None}
        out[key] = {**docs[key], "_version": None, "summary": summary}
    return out


def _seed(settings: RecordSettings) -> int:
    events = []
    for person, local_id, org in (("A", "LA1", "RC9"), ("A", "LA2", "Y01"), ("B", "LB1", "RC9")):
        head = {"local_patient_id": local_id, "org": org}
        events.append(linked(patient_event(**head, source_record_id=f"{local_id}-pat"), person))
        events += [
            linked(result_event(**head, source_record_id=f"{local_id}-r{i}"), person)
            for i in range(3)
        ]
        events.append(linked(encounter_event(**head, source_record_id=f"{local_id}-e", version=2,
                                             operation="DELETE"), person))  # fmt: skip
    produce(settings.kafka, settings.source_topic, events, partition=0)
    return len(events)


def test_merge_then_unmerge_restores_the_exact_layout(
    record_settings: RecordSettings,
    start_worker: Callable[..., RunningWorker],
    opensearch_client: OpenSearch,
) -> None:
    """MERGE moves exactly the named source keys to the survivor; UNMERGE moves them back."""
    settings = record_settings
    count = _seed(settings)
    worker = start_worker(settings)
    wait_until(lambda: committed(settings, settings.source_topic, 2) == [count, -1001], what="seed")
    original = all_documents(opensearch_client, settings.alias)
    merge = identity_change("MERGE", "B", previous="A", source_keys=("Y01:LA2",))
    produce(settings.kafka, settings.identity_topic, [(b"B", merge, [])])
    wait_until(lambda: committed(settings, settings.identity_topic, 1) == [1], what="merge")
    merged = all_documents(opensearch_client, settings.alias)
    moved = {
        k
        for k, d in merged.items()
        if d.get("source_key") == "Y01:LA2" and d["doc_kind"] != "route"
    }
    assert moved == {"patient|Y01|LA2-pat", "result|Y01|LA2-r0", "result|Y01|LA2-r1",
                     "result|Y01|LA2-r2", "encounter|Y01|LA2-e"}  # fmt: skip
    assert {merged[k]["person_id"] for k in moved} == {"B"}
    assert {merged[k]["_version"] for k in moved} == {1, 2}
    assert merged["summary|B"]["summary"]["counts"]["result"] == 6
    assert merged["summary|A"]["summary"]["counts"]["result"] == 3
    unmerge = identity_change("UNMERGE", "A", previous="B", source_keys=("Y01:LA2",))
    produce(settings.kafka, settings.identity_topic, [(b"A", unmerge, [])])
    wait_until(lambda: committed(settings, settings.identity_topic, 1) == [2], what="unmerge")
    restored = all_documents(opensearch_client, settings.alias)
    worker.stop()
    route = restored.pop("route|Y01%3ALA2")
    assert (route["doc_kind"], route["person_id"], route["source_key"]) == ("route", "A", "Y01:LA2")
    assert _layout(restored) == _layout(original)


def test_a_relink_moves_only_that_records_documents(
    record_settings: RecordSettings,
    start_worker: Callable[..., RunningWorker],
    opensearch_client: OpenSearch,
) -> None:
    """A LINK naming a previous person (a review moved one linked record) moves exactly that
    source key's documents; the person's other records stay."""
    settings = record_settings
    count = _seed(settings)
    worker = start_worker(settings)
    wait_until(lambda: committed(settings, settings.source_topic, 2) == [count, -1001], what="seed")
    relink = identity_change("LINK", "B", previous="A", source_keys=("RC9:LA1",))
    produce(settings.kafka, settings.identity_topic, [(b"B", relink, [])])
    wait_until(lambda: committed(settings, settings.identity_topic, 1) == [1], what="relink")
    docs = all_documents(opensearch_client, settings.alias)
    worker.stop()
    owners = {
        (d["source_key"], d["person_id"])
        for d in docs.values()
        if d.get("source_key") and d["doc_kind"] != "route"
    }
    assert owners == {("RC9:LA1", "B"), ("Y01:LA2", "A"), ("RC9:LB1", "B")}
    assert docs["summary|B"]["summary"]["counts"]["result"] == 6
    assert docs["summary|A"]["summary"]["counts"]["result"] == 3


def test_a_stale_record_read_after_the_merge_still_lands_under_the_survivor(
    record_settings: RecordSettings,
    start_worker: Callable[..., RunningWorker],
    opensearch_client: OpenSearch,
) -> None:
    """Topics are read independently: a record stamped with the retired person and read after
    the MERGE follows the route to the survivor instead of staying behind."""
    settings = record_settings
    worker = start_worker(settings)
    merge = identity_change("MERGE", "B", previous="A", source_keys=("RC9:LA1",))
    produce(settings.kafka, settings.identity_topic, [(b"B", merge, [])])
    wait_until(lambda: committed(settings, settings.identity_topic, 1) == [1], what="merge")
    stale = linked(result_event(local_patient_id="LA1", source_record_id="late"), "A")
    fresh = linked(result_event(local_patient_id="LC1", source_record_id="other"), "C")
    produce(settings.kafka, settings.source_topic, [stale, fresh], partition=0)
    wait_until(lambda: committed(settings, settings.source_topic, 2) == [2, -1001], what="records")
    docs = all_documents(opensearch_client, settings.alias)
    worker.stop()
    assert (docs["result|RC9|late"]["person_id"], docs["result|RC9|other"]["person_id"]) == (
        "B",
        "C",
    )
    assert docs["summary|B"]["summary"]["counts"]["result"] == 1
    assert "summary|A" not in docs


def test_an_older_identity_change_read_late_moves_nothing(
    record_settings: RecordSettings,
    start_worker: Callable[..., RunningWorker],
    opensearch_client: OpenSearch,
) -> None:
    """MERGE at 10:00 then UNMERGE at 10:05, read in the opposite order: the UNMERGE wins."""
    settings = record_settings
    count = _seed(settings)
    at_ten = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    merge = identity_change(
        "MERGE", "B", previous="A", source_keys=("Y01:LA2",), occurred_at=at_ten
    )
    unmerge = identity_change("UNMERGE", "A", previous="B", source_keys=("Y01:LA2",),
                              occurred_at=at_ten + timedelta(minutes=5))  # fmt: skip
    produce(settings.kafka, settings.identity_topic, [(b"A", unmerge, []), (b"B", merge, [])])
    worker = start_worker(settings)
    wait_until(lambda: committed(settings, settings.source_topic, 2) == [count, -1001]
               and committed(settings, settings.identity_topic, 1) == [2], what="all read")  # fmt: skip
    docs = all_documents(opensearch_client, settings.alias)
    worker.stop()
    assert {d["person_id"] for d in docs.values() if d.get("source_key") == "Y01:LA2"} == {"A"}
    assert docs["route|Y01%3ALA2"]["record_version"] == 1709287500000  # the UNMERGE's time
    assert worker.worker.stats.moved == 0


def test_purge_removes_everything_of_a_person_and_reports_the_count(
    record_settings: RecordSettings,
    start_worker: Callable[..., RunningWorker],
    opensearch_client: OpenSearch,
) -> None:
    """A purge command deletes items, patients, tombstones and summary, and leaves a receipt."""
    settings = record_settings
    count = _seed(settings)
    worker = start_worker(settings)
    wait_until(lambda: committed(settings, settings.source_topic, 2) == [count, -1001], what="seed")
    assert "summary|A" in all_documents(opensearch_client, settings.alias)
    purge = purge_message(PurgePerson("A", "cmd-1"))
    produce(settings.kafka, settings.source_topic, [purge], partition=0)
    wait_until(
        lambda: committed(settings, settings.source_topic, 2) == [count + 1, -1001], what="purge"
    )
    docs = all_documents(opensearch_client, settings.alias)
    worker.stop()
    kept, purged = _kept(docs), _purged(docs)
    assert {d["person_id"] for d in kept.values()} == {"B"}
    assert len(kept) == 6  # B: patient, 3 results, encounter tombstone, summary
    assert len(purged) == 10 and "summary|A" not in docs  # A's documents; its summary deleted
    assert {d["event_id"] for d in purged.values()} == {"cmd-1"}
    receipts = consume_all(settings.kafka, settings.receipt_topic, 1)
    receipt = json.loads(receipts[0].value())
    # A: 2 source records x (patient + 3 results + 1 tombstone) + the summary = 11
    assert (receipt["person_id"], receipt["command_id"], receipt["deleted"]) == ("A", "cmd-1", 11)
    assert worker.worker.stats.purged == receipt["deleted"]


def test_item_purge_removes_only_the_withheld_items(
    record_settings: RecordSettings,
    start_worker: Callable[..., RunningWorker],
    opensearch_client: OpenSearch,
) -> None:
    """A purge naming items deletes only those documents of the person, components included
    (``<id>#...``); the summary follows."""
    settings = record_settings
    count = _seed(settings)
    component = result_event(org="RC9", local_patient_id="LA1", source_record_id="LA1-r0#c-1")
    produce(settings.kafka, settings.source_topic, [linked(component, "A")], partition=0)
    worker = start_worker(settings)
    wait_until(
        lambda: committed(settings, settings.source_topic, 2) == [count + 1, -1001], what="seed"
    )
    purge = purge_message(PurgePerson("A", "cmd-2", "withheld", (("RC9", "LA1-r0"),)))
    produce(settings.kafka, settings.source_topic, [purge], partition=0)
    wait_until(
        lambda: committed(settings, settings.source_topic, 2) == [count + 2, -1001], what="purge"
    )
    docs = all_documents(opensearch_client, settings.alias)
    worker.stop()
    assert set(_purged(docs)) == {"result|RC9|LA1-r0", "result|RC9|LA1-r0%23c-1"}
    assert {"result|RC9|LA1-r1", "result|Y01|LA2-r0", "patient|RC9|LA1-pat"} <= set(_kept(docs))
    assert docs["summary|A"]["summary"]["counts"]["result"] == 5
    assert worker.worker.stats.purged == 2


def test_item_purge_finds_the_item_under_whoever_holds_it_now(
    record_settings: RecordSettings,
    start_worker: Callable[..., RunningWorker],
    opensearch_client: OpenSearch,
) -> None:
    """An item purge sent to the person consent still knows finds the item even when the
    projection has already moved it to another person."""
    settings = record_settings
    count = _seed(settings)
    worker = start_worker(settings)
    wait_until(lambda: committed(settings, settings.source_topic, 2) == [count, -1001], what="seed")
    purge = purge_message(PurgePerson("B", "cmd-5", "sensitive", (("RC9", "LA1-r0"),)))
    produce(settings.kafka, settings.source_topic, [purge], partition=1)
    wait_until(lambda: committed(settings, settings.source_topic, 2) == [count, 1], what="purge")
    docs = all_documents(opensearch_client, settings.alias)
    worker.stop()
    assert set(_purged(docs)) == {"result|RC9|LA1-r0"} and "result|RC9|LA1-r1" in docs
    assert docs["summary|A"]["summary"]["counts"]["result"] == 5


def test_source_key_purge_removes_those_records_whoever_holds_them(
    record_settings: RecordSettings,
    start_worker: Callable[..., RunningWorker],
    opensearch_client: OpenSearch,
) -> None:
    """A purge naming source keys deletes every document of those records and nothing else."""
    settings = record_settings
    count = _seed(settings)
    worker = start_worker(settings)
    wait_until(lambda: committed(settings, settings.source_topic, 2) == [count, -1001], what="seed")
    purge = purge_message(PurgePerson("B", "cmd-4", "objection", source_keys=("Y01:LA2",)))
    produce(settings.kafka, settings.source_topic, [purge], partition=0)
    wait_until(
        lambda: committed(settings, settings.source_topic, 2) == [count + 1, -1001], what="purge"
    )
    docs = all_documents(opensearch_client, settings.alias)
    worker.stop()
    keys = {d.get("source_key") for d in _kept(docs).values() if d["doc_kind"] != "route"}
    assert len(_purged(docs)) == 5 and "Y01:LA2" not in keys and {"RC9:LA1", "RC9:LB1"} <= keys
    assert docs["summary|A"]["summary"]["counts"]["result"] == 3
    assert worker.worker.stats.purged == 5


def test_undecodable_message_is_dead_lettered_and_the_worker_carries_on(
    record_settings: RecordSettings,
    start_worker: Callable[..., RunningWorker],
    opensearch_client: OpenSearch,
) -> None:
    """Garbage lands on the DLQ with reason, stage and origin headers; later events still index."""
    settings = record_settings
    garbage = (b"A", b"\x00not avro", [("mcr.person_id", b"A")])
    produce(settings.kafka, settings.source_topic,
            [linked(result_event(source_record_id="R1"), "A"), garbage,
             linked(result_event(source_record_id="R2"), "A")], partition=1)  # fmt: skip
    worker = start_worker(settings)
    wait_until(lambda: committed(settings, settings.source_topic, 2) == [-1001, 3], what="commit")
    docs = all_documents(opensearch_client, settings.alias)
    worker.stop()
    assert {"result|RC9|R1", "result|RC9|R2"} <= set(docs)
    letters = consume_all(settings.kafka, settings.dlq_topic, 1)
    assert len(letters) == 1
    assert (letters[0].key(), letters[0].value()) == (b"A", b"\x00not avro")
    headers = dict(letters[0].headers())
    assert headers == {
        "mcr.person_id": b"A",
        "mcr.dlq.reason": b"CorruptEventError",
        "mcr.dlq.stage": b"projection.record",
        "mcr.dlq.topic": settings.source_topic.encode(),
        "mcr.dlq.partition": b"1",
        "mcr.dlq.offset": b"1",
    }


class FlakyClient:
    """Delegates to a real client, but every bulk fails with a connection error while ``down``."""

    def __init__(self, client: OpenSearch) -> None:
        self._client = client
        self.down = threading.Event()
        self.failed_bulks = 0

    def bulk(self, **kwargs: Any) -> Any:
        if self.down.is_set():
            self.failed_bulks += 1
            raise os_errors.ConnectionError("N/A", "connection refused", Exception("refused"))
        return self._client.bulk(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_unavailable_opensearch_is_retried_and_offsets_wait_for_success(
    record_settings: RecordSettings,
    start_worker: Callable[..., RunningWorker],
    opensearch_client: OpenSearch,
) -> None:
    """While bulks fail nothing is committed or lost; once they succeed everything lands."""
    settings = record_settings
    flaky = FlakyClient(opensearch_client)
    flaky.down.set()
    events = [linked(result_event(source_record_id=f"R{i}"), "A") for i in range(5)]
    produce(settings.kafka, settings.source_topic, events, partition=0)
    worker = start_worker(settings, client=flaky)
    wait_until(lambda: flaky.failed_bulks >= 4, what="several failed attempts")
    assert committed(settings, settings.source_topic, 2) == [-1001, -1001]
    assert worker.worker.stats.written == 0
    flaky.down.clear()
    wait_until(lambda: committed(settings, settings.source_topic, 2) == [5, -1001], what="commit")
    worker.stop()
    docs = all_documents(opensearch_client, settings.alias)
    assert sum(1 for k in docs if k.startswith("result|")) == 5
    assert worker.worker.stats.retries >= 4


def test_writer_on_a_closed_port_reports_a_transient_error() -> None:
    """A real connection refusal is classified as transient (retry), not as a bad document."""
    writer = RecordWriter(connect("http://127.0.0.1:9", timeout_s=2), target="record",
                          require_alias=True)  # fmt: skip
    with pytest.raises(TransientWriteError, match="bulk: OpenSearch unreachable"):
        writer.bulk([BulkOp("index", "record", "result|RC9|R1", {}, 1, "external")])
