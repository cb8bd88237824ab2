"""The record projection against real Kafka and OpenSearch: idempotence, ordering, deletes."""

from __future__ import annotations

from collections.abc import Callable

from opensearchpy import OpenSearch

from projections.record.queries import visible_items
from projections.record.settings import RecordSettings
from tests.integration.projections.conftest import (
    RunningWorker,
    all_documents,
    committed,
    produce,
    wait_until,
    with_overrides,
)
from tests.unit.projections.builders import (
    consent_event,
    encounter_event,
    linked,
    medication_event,
    patient_event,
    result_event,
)


def _caught_up(settings: RecordSettings, ends: list[int]) -> Callable[[], bool]:
    return lambda: committed(settings, settings.source_topic, len(ends)) == ends


def _person_events(
    person: str, local_id: str, count: int
) -> list[tuple[bytes, bytes, list[tuple[str, bytes]]]]:
    head = {"local_patient_id": local_id}
    events = [linked(patient_event(**head, source_record_id=f"{local_id}-pat"), person)]
    events += [
        linked(result_event(**head, source_record_id=f"{local_id}-r{i}"), person)
        for i in range(count)
    ]
    events.append(linked(medication_event(**head, source_record_id=f"{local_id}-m1"), person))
    events.append(linked(encounter_event(**head, source_record_id=f"{local_id}-e1"), person))
    return events


def test_events_become_items_patients_and_a_summary(
    record_settings: RecordSettings,
    start_worker: Callable[..., RunningWorker],
    opensearch_client: OpenSearch,
) -> None:
    """One document per item, one per patient record, one small summary with counts."""
    settings = record_settings
    events = [*_person_events("PERSON-A", "P001", 3), linked(consent_event(), "PERSON-A")]
    produce(settings.kafka, settings.source_topic, events, partition=0)
    worker = start_worker(settings)
    wait_until(_caught_up(settings, [len(events), -1001]), what="offsets committed")
    docs = all_documents(opensearch_client, settings.alias)
    worker.stop()
    assert sorted(docs) == sorted([
        "patient|RC9|P001-pat", "result|RC9|P001-r0", "result|RC9|P001-r1", "result|RC9|P001-r2",
        "medication|RC9|P001-m1", "encounter|RC9|P001-e1", "summary|PERSON-A",
    ])  # fmt: skip
    summary = docs["summary|PERSON-A"]["summary"]
    assert summary["counts"] == {"result": 3, "medication": 1, "encounter": 1, "condition": 0,
                                 "allergy": 0, "immunisation": 0, "procedure": 0, "document": 0}  # fmt: skip
    assert [s["source_key"] for s in summary["sources"]] == ["RC9:P001"]
    item = docs["result|RC9|P001-r1"]
    assert (item["kafka"]["topic"], item["kafka"]["offset"], item["source_key"]) == (
        settings.source_topic, 2, "RC9:P001")  # fmt: skip
    assert item["received_at"] >= "2024"
    assert (
        opensearch_client.indices.get_alias(name=settings.alias)
        .popitem()[0]
        .startswith(f"{settings.alias}-v1-")
    )


def test_replaying_the_log_twice_leaves_identical_documents(
    record_settings: RecordSettings,
    start_worker: Callable[..., RunningWorker],
    opensearch_client: OpenSearch,
) -> None:
    """A second consumer group replaying everything, plus duplicates, changes no document."""
    settings = record_settings
    events = _person_events("PERSON-A", "P001", 4) + _person_events("PERSON-B", "P002", 2)
    produce(settings.kafka, settings.source_topic, events, partition=0)
    first = start_worker(settings)
    wait_until(_caught_up(settings, [len(events), -1001]), what="first pass")
    first.stop()
    before = all_documents(opensearch_client, settings.alias)
    produce(settings.kafka, settings.source_topic, events, partition=0)  # duplicates
    replay = with_overrides(settings, group_id=settings.group_id + "-replay")
    second = start_worker(replay)
    wait_until(_caught_up(replay, [2 * len(events), -1001]), what="replay")
    second.stop()
    after = all_documents(opensearch_client, settings.alias)
    items = {k: v for k, v in after.items() if not k.startswith("summary")}
    assert items == {k: v for k, v in before.items() if not k.startswith("summary")}
    assert second.worker.stats.conflicts == 2 * (len(events))
    assert (
        after["summary|PERSON-A"]["summary"]["counts"]
        == before["summary|PERSON-A"]["summary"]["counts"]
    )


def test_out_of_order_versions_keep_the_newest(
    record_settings: RecordSettings,
    start_worker: Callable[..., RunningWorker],
    opensearch_client: OpenSearch,
) -> None:
    """Versions 3, 1, 2 of one result leave version 3's value."""
    settings = record_settings
    events = [linked(result_event(value=float(v), version=v), "PERSON-A") for v in (3, 1, 2)]
    produce(settings.kafka, settings.source_topic, events, partition=0)
    worker = start_worker(settings)
    wait_until(_caught_up(settings, [3, -1001]), what="offsets committed")
    worker.stop()
    doc = all_documents(opensearch_client, settings.alias)["result|RC9|R001"]
    assert (doc["_version"], doc["record_version"], doc["result"]["value_quantity"]) == (3, 3, 3.0)


def test_delete_removes_and_a_late_older_upsert_does_not_resurrect(
    record_settings: RecordSettings,
    start_worker: Callable[..., RunningWorker],
    opensearch_client: OpenSearch,
) -> None:
    """Upsert v1, delete v2, late v1: the item stays deleted; a delete arriving first also holds."""
    settings = record_settings
    events = [
        linked(result_event(version=1), "PERSON-A"),
        linked(result_event(version=2, operation="DELETE"), "PERSON-A"),
        linked(result_event(version=1), "PERSON-A"),
        linked(medication_event(version=5, operation="ENTERED_IN_ERROR"), "PERSON-A"),
        linked(medication_event(version=4), "PERSON-A"),
        linked(encounter_event(version=1), "PERSON-A"),
    ]
    produce(settings.kafka, settings.source_topic, events, partition=0)
    worker = start_worker(settings)
    wait_until(_caught_up(settings, [len(events), -1001]), what="offsets committed")
    worker.stop()
    docs = all_documents(opensearch_client, settings.alias)
    tombstones = {k: (d["_version"], d["deleted"], "result" in d or "medication" in d)
                  for k, d in docs.items() if d.get("deleted")}  # fmt: skip
    assert tombstones == {
        "result|RC9|R001": (2, True, False),
        "medication|RC9|R001": (5, True, False),
    }
    visible = opensearch_client.search(
        index=settings.alias, body={"query": visible_items("PERSON-A")}
    )
    assert [h["_id"] for h in visible["hits"]["hits"]] == ["encounter|RC9|R001"]
    assert docs["summary|PERSON-A"]["summary"]["counts"] == {
        "result": 0,
        "medication": 0,
        "encounter": 1,
        "condition": 0,
        "allergy": 0,
        "immunisation": 0,
        "procedure": 0,
        "document": 0,
    }


def _searchable(client: OpenSearch, alias: str) -> set[str]:
    """Ids a search finds now, without refreshing first (none before the worker made the alias)."""
    if not client.indices.exists_alias(name=alias):
        return set()
    response = client.search(index=alias, body={"query": {"match_all": {}}, "size": 100})
    return {hit["_id"] for hit in response["hits"]["hits"]}


def test_the_worker_refreshes_the_record_itself(
    record_settings: RecordSettings,
    start_worker: Callable[..., RunningWorker],
    opensearch_client: OpenSearch,
) -> None:
    """With the index's own refresh a 30 s backstop, the worker makes its writes searchable:
    items within about its visible interval while running, and the summaries of its last
    settle before it stops (no one else refreshes here)."""
    settings = with_overrides(record_settings, refresh_interval="30s", commit_interval_ms=1000)
    events = _person_events("PERSON-A", "P001", 2)
    produce(settings.kafka, settings.source_topic, events, partition=0)
    worker = start_worker(settings)
    items = {"patient|RC9|P001-pat", "result|RC9|P001-r0", "result|RC9|P001-r1",
             "medication|RC9|P001-m1", "encounter|RC9|P001-e1"}  # fmt: skip
    wait_until(lambda: items <= _searchable(opensearch_client, settings.alias), timeout_s=10,
               what="items searchable without an outside refresh")  # fmt: skip
    worker.stop()
    assert _searchable(opensearch_client, settings.alias) == {*items, "summary|PERSON-A"}
