"""The record reader with a stub client: one ``_msearch`` per record, answers parsed into
documents, pages and the person's source keys; anything unusable is RecordUnavailableError."""

from __future__ import annotations

from typing import Any

import pytest

from consumers.api.errors import RecordUnavailableError
from consumers.api.records import RecordReader
from consumers.api.validation import Page


def _hits(*sources: dict[str, Any]) -> dict[str, Any]:
    hits = [{"_id": f"d{n}", "_source": source} for n, source in enumerate(sources)]
    return {"hits": {"total": {"value": len(hits)}, "hits": hits}}


def _keys(*keys: str, other: int = 0) -> dict[str, Any]:
    buckets = [{"key": key, "doc_count": 1} for key in keys]
    return {
        "hits": {"total": {"value": 0}, "hits": []},
        "aggregations": {"source_keys": {"sum_other_doc_count": other, "buckets": buckets}},
    }


class _Client:
    """Answers ``msearch`` (and ``search``) with canned responses; keeps what it was sent."""

    def __init__(self, responses: list[dict[str, Any]]) -> None:
        self.responses = responses
        self.sent: list[Any] = []

    def msearch(self, body: list[Any]) -> dict[str, Any]:
        self.sent = body
        return {"responses": self.responses}

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        self.sent = [{"index": index}, body]
        return self.responses[0]


def test_person_record_reads_patients_keys_and_pages_in_one_msearch() -> None:
    """Patients, the key list and each page come from one round trip, in that order."""
    client = _Client(
        [_hits({"person_id": "p-1"}), _keys("E81001:L1", "RC9:H1"), _hits({"org": "RC9"})]
    )
    reader = RecordReader(client, alias="record")  # type: ignore[arg-type]

    found = reader.person_record("p-1", ("result",), Page())

    assert [line for line in client.sent[0::2]] == [{"index": "record"}] * 3
    assert "aggs" in client.sent[3] and client.sent[5]["query"]["bool"]["filter"][-1] == {
        "term": {"record_type": "result"}
    }
    assert found.source_keys == {"E81001:L1", "RC9:H1"}
    assert (len(found.patients), found.pages["result"].total) == (1, 1)


def test_first_pages_for_the_decision_come_in_the_same_msearch() -> None:
    """A page of results plus encounters' first page for the access decision: still one
    round trip, the extra page kept apart from the pages asked for."""
    client = _Client([_hits({"person_id": "p-1"}), _keys("E81001:L1"), _hits({"org": "RC9"}),
                      _hits({"org": "E81001"}, {"org": "RC9"})])  # fmt: skip
    reader = RecordReader(client, alias="record")  # type: ignore[arg-type]

    found = reader.person_record("p-1", ("result",), Page(number=2), first_pages_of=("encounter",))

    assert len(client.sent) == 8
    assert client.sent[7]["query"]["bool"]["filter"][-1] == {"term": {"record_type": "encounter"}}
    assert client.sent[7].get("from", 0) == 0 and client.sent[5]["from"] > 0
    assert set(found.pages) == {"result"} and found.first_pages["encounter"].total == 2


def test_a_key_list_cut_short_is_unavailable_not_partial() -> None:
    """More keys than the aggregation lists: owners could not all be checked, so no data."""
    client = _Client([_hits(), _keys("E81001:L1", other=3), _hits()])
    reader = RecordReader(client, alias="record")  # type: ignore[arg-type]

    with pytest.raises(RecordUnavailableError, match="too many source keys"):
        reader.person_record("p-1", ("result",), Page())


def test_persons_hiding_contact_are_the_buckets_of_the_v_aggregation() -> None:
    """The persons with a live V patient document come from the aggregation's buckets."""
    buckets = [{"key": "p-2", "doc_count": 1}]
    client = _Client([{"hits": {"hits": []}, "aggregations": {"persons": {"buckets": buckets}}}])
    reader = RecordReader(client, alias="record")  # type: ignore[arg-type]

    assert reader.persons_hiding_contact(["p-1", "p-2"]) == {"p-2"}
    assert client.sent[1]["query"]["bool"]["filter"][-1] == {"term": {"confidentiality": "V"}}
