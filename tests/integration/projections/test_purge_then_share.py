"""Items shared again right after a purge, live and rebuilt, and ``mcr record verify``, on the
real stack. A purge used to delete documents, and OpenSearch remembers a deleted version for
``index.gc_deletes`` (60 s): the same version shared again within that minute was refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from opensearchpy import OpenSearch
from typer.testing import CliRunner

from consumers.ops.rebuild import rebuild_record
from projections.record.cli import app
from projections.record.indices import alias_indices
from projections.record.settings import RecordSettings
from schemas.commands import PurgePerson, purge_message
from tests.integration.projections.conftest import (
    RunningWorker,
    all_documents,
    committed,
    produce,
    wait_until,
)
from tests.unit.projections.builders import identity_change, linked, patient_event, result_event

Docs = dict[str, dict[str, Any]]
Message = tuple[bytes, bytes, list[tuple[str, bytes]]]
ITEMS = [f"result|RC9|R{i}" for i in range(4)]


def _shared(person: str = "PERSON-1") -> list[Message]:
    """A patient record and four results of one person, as the consent stage shares them."""
    head = {"local_patient_id": "L1", "org": "RC9"}
    events = [linked(patient_event(**head, source_record_id="L1-pat"), person)]
    events += [linked(result_event(**head, source_record_id=f"R{i}"), person) for i in range(4)]
    return events


def _objection_withdrawn_and_shared_again(settings: RecordSettings) -> int:
    """Share, purge (an objection), then the same events again at once (the withdrawal); plus
    another person's merge so the comparison covers routes. Returns the messages produced."""
    other = [linked(result_event(local_patient_id="L2", source_record_id="Q1"), "PERSON-2")]
    purge = [purge_message(PurgePerson("PERSON-1", "cmd-objection"))]
    messages = _shared() + other + purge + _shared()
    produce(settings.kafka, settings.source_topic, messages, partition=0)
    merge = identity_change("MERGE", "PERSON-3", previous="PERSON-2", source_keys=("RC9:L2",))
    produce(settings.kafka, settings.identity_topic, [(b"PERSON-3", merge, [])])
    return len(messages)


def _project(settings: RecordSettings, start_worker: Callable[..., RunningWorker]) -> None:
    """Run the live worker over the sequence until it has committed all of it."""
    worker = start_worker(settings)
    count = _objection_withdrawn_and_shared_again(settings)
    wait_until(lambda: committed(settings, settings.source_topic, 2) == [count, -1001], what="log")
    wait_until(lambda: committed(settings, settings.identity_topic, 1) == [1], what="merge")
    worker.stop()


def _visible(docs: Docs) -> Docs:
    return {k: d for k, d in docs.items() if d.get("deleted") is False}


def _layout(docs: Docs) -> dict[str, Any]:
    """Ids with version, owner and deleted flag; summaries by content (without their time)."""
    out: dict[str, Any] = {}
    for doc_id, doc in docs.items():
        if doc["doc_kind"] == "summary":
            out[doc_id] = {**doc["summary"], "computed_at": None}
        else:
            out[doc_id] = (doc["_version"], doc.get("person_id"), doc.get("deleted"))
    return out


def _verify(settings: RecordSettings) -> tuple[int, dict[str, Any]]:
    env = {
        **settings.kafka.environment(),  # as the admin: test topic names are not mcr.*
        "MCR_RECORD_SOURCE_TOPIC": settings.source_topic,
        "MCR_RECORD_IDENTITY_TOPIC": settings.identity_topic,
        "MCR_RECORD_DLQ_TOPIC": settings.dlq_topic,
        "MCR_RECORD_GROUP": settings.group_id,
        "MCR_RECORD_ALIAS": settings.alias,
    }
    result = CliRunner().invoke(app, ["verify", "--json"], env=env)
    return result.exit_code, json.loads(result.output.strip().splitlines()[-1])


def test_items_shared_again_right_after_a_purge_are_searchable_and_verified(
    record_settings: RecordSettings,
    start_worker: Callable[..., RunningWorker],
    opensearch_client: OpenSearch,
) -> None:
    """Objection, withdrawal and the same items again within a second: every item and the
    patient document are searchable at their version, and ``mcr record verify`` agrees."""
    settings = record_settings
    _project(settings, start_worker)
    visible = _visible(all_documents(opensearch_client, settings.alias))
    assert {d: visible[d]["person_id"] for d in [*ITEMS, "patient|RC9|L1-pat"]} == dict.fromkeys(
        [*ITEMS, "patient|RC9|L1-pat"], "PERSON-1"
    )
    assert visible["summary|PERSON-1"]["summary"]["counts"]["result"] == 4
    assert visible["result|RC9|Q1"]["person_id"] == "PERSON-3"
    code, report = _verify(settings)
    assert (code, report["ok"], report["missing"], report["leaked"]) == (0, True, 0, 0)
    assert report["expected_visible"] == 6


def test_a_rebuild_after_purge_and_share_again_equals_the_live_index(
    record_settings: RecordSettings,
    start_worker: Callable[..., RunningWorker],
    opensearch_client: OpenSearch,
) -> None:
    """The same sequence rebuilt from the log gives the same ids, versions, owners and
    summaries as the live worker (a rebuild runs it within seconds: it lost items before)."""
    settings = record_settings
    _project(settings, start_worker)
    [live_index] = alias_indices(opensearch_client, settings.alias)
    live = all_documents(opensearch_client, live_index)

    result = rebuild_record(settings)

    rebuilt = all_documents(opensearch_client, result.index)
    assert result.index != live_index
    assert _layout(rebuilt) == _layout(live)
    assert set(ITEMS) <= set(_visible(rebuilt))
    code, report = _verify(settings)
    assert (code, report["ok"]) == (0, True)


def test_verify_names_what_is_missing_leaked_or_moved_and_waits_for_lag(
    record_settings: RecordSettings,
    start_worker: Callable[..., RunningWorker],
    opensearch_client: OpenSearch,
) -> None:
    """Tampering with the index shows up by kind and reason with exit 1; a projection that
    has not read the whole log gives exit 2 instead of a premature verdict."""
    settings = record_settings
    produce(settings.kafka, settings.source_topic, _shared(), partition=0)
    code, report = _verify(settings)
    assert (code, report) == (2, {"ok": False, "lagging": 5})
    worker = start_worker(settings)
    wait_until(lambda: committed(settings, settings.source_topic, 2) == [5, -1001], what="log")
    worker.stop()
    [index] = alias_indices(opensearch_client, settings.alias)
    opensearch_client.delete(index=index, id="result|RC9|R0")
    opensearch_client.delete(index=index, id="summary|PERSON-1", params={"refresh": "true"})
    moved = {**all_documents(opensearch_client, index)["result|RC9|R1"], "person_id": "OTHER"}
    moved.pop("_version")
    opensearch_client.index(index=index, id="result|RC9|R1", body=moved,
                            params={"version": 1, "version_type": "external_gte"})  # fmt: skip
    code, report = _verify(settings)
    assert code == 1 and not report["ok"]
    assert report["by_reason"] == {
        "missing": {"absent": 1, "summary-missing": 1},
        "leaked": {},
        "mismatched": {"person": 1},
    }
    assert report["examples"]["missing"] == ["result|RC9|R0", "summary|PERSON-1"]
    assert report["examples"]["mismatched"] == ["result|RC9|R1"]
