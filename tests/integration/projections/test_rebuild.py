"""``mcr rebuild record`` against the real stack, with the live worker and readers running."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from opensearchpy import OpenSearch
from typer.testing import CliRunner

from consumers.ops.cli import app
from consumers.ops.rebuild import rebuild_record
from projections.record.indices import alias_indices
from projections.record.settings import RecordSettings
from tests.integration.projections.conftest import (
    RunningWorker,
    all_documents,
    committed,
    produce,
    wait_until,
)
from tests.unit.projections.builders import identity_change, linked, result_event

Docs = dict[str, dict[str, Any]]
PERSONS = 20


def _event(serial: int, version: int) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """Result ``serial`` of one of PERSONS patients; source key RC9:L2 was merged into
    PERSON-1, so (like the identity stage) its events carry the survivor."""
    person = serial % PERSONS
    event = result_event(value=float(version), local_patient_id=f"L{person}",
                         source_record_id=f"R{serial}", version=version)  # fmt: skip
    return linked(event, "PERSON-1" if person == 2 else f"PERSON-{person}")


class Reader(threading.Thread):
    """Queries the alias as fast as it can; records errors, empty answers and indices seen."""

    def __init__(self, client: OpenSearch, alias: str) -> None:
        super().__init__(daemon=True)
        self.client, self.alias = client, alias
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.empty = 0
        self.queries = 0
        self.indices: set[str] = set()

    def run(self) -> None:
        body = {"size": 1, "query": {"term": {"person_id": "PERSON-3"}}}
        while not self.stop.is_set():
            try:
                hits = self.client.search(index=self.alias, body=body)["hits"]["hits"]
            except Exception as exc:  # any failure is a gap in reads
                self.errors.append(type(exc).__name__)
                continue
            self.queries += 1
            self.empty += not hits
            self.indices.update(hit["_index"] for hit in hits)
            time.sleep(0.005)


class Traffic(threading.Thread):
    """Produces new items and newer versions of existing ones until stopped."""

    def __init__(self, settings: RecordSettings, first_serial: int) -> None:
        super().__init__(daemon=True)
        self.settings, self.serial = settings, first_serial
        self.stop = threading.Event()
        self.produced: list[tuple[int, int]] = []

    def run(self) -> None:
        while not self.stop.is_set():
            batch = [(self.serial, 1), (self.serial % 50, 2 + self.serial)]
            produce(self.settings.kafka, self.settings.source_topic,
                    [_event(s, v) for s, v in batch])  # fmt: skip
            self.produced.extend(batch)
            self.serial += 1
            time.sleep(0.02)


def _items(docs: Docs) -> Docs:
    """Clinical items only (no summaries or routes), without the time the projection saw them."""
    return {k: {**v, "received_at": None} for k, v in docs.items() if k.startswith("result|")}


def test_rebuild_under_live_traffic_swaps_without_a_gap_and_ends_identical(
    record_settings: RecordSettings,
    start_worker: Callable[..., RunningWorker],
    opensearch_client: OpenSearch,
) -> None:
    """Readers never see an error or an empty answer; the new index holds every newest version
    and, for every document both indices hold at the same version, the same content."""
    settings = record_settings
    initial = [(serial, 1) for serial in range(300)]
    before_merge = [
        linked(result_event(local_patient_id="L2", source_record_id="R-old"), "PERSON-2")
    ]
    produce(settings.kafka, settings.source_topic,
            before_merge + [_event(s, v) for s, v in initial])  # fmt: skip
    merge = identity_change("MERGE", "PERSON-1", previous="PERSON-2", source_keys=("RC9:L2",))
    produce(settings.kafka, settings.identity_topic, [(b"PERSON-1", merge, [])])
    worker = start_worker(settings)
    wait_until(lambda: sum(max(0, o) for o in committed(settings, settings.source_topic, 2)) == 301
               and committed(settings, settings.identity_topic, 1) == [1], what="initial load")  # fmt: skip
    old_index = alias_indices(opensearch_client, settings.alias)[0]
    reader, traffic = Reader(opensearch_client, settings.alias), Traffic(settings, 300)
    reader.start()
    traffic.start()
    time.sleep(0.5)
    result = rebuild_record(settings, catch_up_below=50)
    time.sleep(0.5)
    traffic.stop.set()
    traffic.join(30)
    total = 301 + len(traffic.produced)
    wait_until(lambda: sum(max(0, o) for o in committed(settings, settings.source_topic, 2)) == total,
               what="live worker caught up")  # fmt: skip
    reader.stop.set()
    reader.join(30)
    worker.stop()

    assert (reader.errors, reader.empty) == ([], 0)
    assert reader.queries > 50
    assert reader.indices == {old_index, result.index}
    assert alias_indices(opensearch_client, settings.alias) == [result.index]
    assert result.previous == (old_index,)
    assert opensearch_client.indices.exists(index=old_index)  # kept until drop-old

    new_docs = _items(all_documents(opensearch_client, settings.alias))
    old_docs = _items(all_documents(opensearch_client, old_index))
    newest: dict[str, int] = {"result|RC9|R-old": 1}
    for serial, version in initial + traffic.produced:
        doc_id = f"result|RC9|R{serial}"
        newest[doc_id] = max(version, newest.get(doc_id, 0))
    assert {k: d["_version"] for k, d in new_docs.items()} == newest
    same_version = [k for k, d in old_docs.items() if new_docs[k]["_version"] == d["_version"]]
    assert len(same_version) > 250
    assert {k: new_docs[k] for k in same_version} == {k: old_docs[k] for k in same_version}
    assert {d["person_id"] for d in new_docs.values() if d["source_key"] == "RC9:L2"} == {
        "PERSON-1"
    }
    assert {d["person_id"] for d in old_docs.values() if d["source_key"] == "RC9:L2"} == {
        "PERSON-1"
    }


def test_rebuild_command_reports_and_drop_old_removes_the_previous_version(
    record_settings: RecordSettings,
    start_worker: Callable[..., RunningWorker],
    opensearch_client: OpenSearch,
) -> None:
    """The CLI rebuilds, keeps the old index, and drop-old deletes only what the alias left."""
    settings = record_settings
    produce(settings.kafka, settings.source_topic, [_event(s, 1) for s in range(30)])
    worker = start_worker(settings)
    wait_until(lambda: sum(max(0, o) for o in committed(settings, settings.source_topic, 2)) == 30,
               what="initial load")  # fmt: skip
    worker.stop()
    old_index = alias_indices(opensearch_client, settings.alias)[0]
    env = {
        **settings.kafka.environment(),
        "MCR_OPENSEARCH_URL": settings.opensearch_url.get_secret_value(),
        "MCR_RECORD_IDENTITY_TOPIC": settings.identity_topic,
        "MCR_RECORD_DLQ_TOPIC": settings.dlq_topic,
        "COLUMNS": "200",
    }
    runner = CliRunner()
    args = ["rebuild", "record", "--alias", settings.alias, "--source-topic", settings.source_topic]
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    new_index = alias_indices(opensearch_client, settings.alias)[0]
    assert new_index != old_index
    assert f"-> {new_index} (30 events" in result.output
    assert len(_items(all_documents(opensearch_client, settings.alias))) == 30
    dropped = runner.invoke(app, ["rebuild", "drop-old", "--alias", settings.alias], env=env)
    assert dropped.exit_code == 0, dropped.output
    assert f"dropped: {old_index}" in dropped.output
    assert not opensearch_client.indices.exists(index=old_index)
    assert opensearch_client.indices.exists(index=new_index)


def test_rebuild_never_brings_back_what_a_purge_removed_after_a_merge(
    record_settings: RecordSettings, opensearch_client: OpenSearch
) -> None:
    """Live: L2's items, then merge of PERSON-2 into PERSON-1, then PERSON-1 purged. A rebuild
    from the log must end with nothing of PERSON-1, including the merged-in items."""
    from schemas.commands import PurgePerson, purge_message

    settings = record_settings
    own = [linked(result_event(local_patient_id="L1", source_record_id="A"), "PERSON-1")]
    merged_in = [linked(result_event(local_patient_id="L2", source_record_id="B"), "PERSON-2")]
    produce(settings.kafka, settings.source_topic, own + merged_in)
    merge = identity_change("MERGE", "PERSON-1", previous="PERSON-2", source_keys=("RC9:L2",))
    produce(settings.kafka, settings.identity_topic, [(b"PERSON-1", merge, [])])
    produce(
        settings.kafka,
        settings.source_topic,
        [purge_message(PurgePerson("PERSON-1", "cmd-1"))],
    )

    result = rebuild_record(settings)

    docs = all_documents(opensearch_client, result.index)
    visible = {k: d for k, d in docs.items() if d.get("deleted") is not True}
    assert _items(visible) == {}
    assert {d["doc_kind"] for d in visible.values()} == {"route"}  # routes only: no patient data
    assert all("person_id" not in d for k, d in docs.items() if k not in visible)
