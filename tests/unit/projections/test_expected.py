"""What the record should hold from the log alone, and how an index differs from it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from projections.record.expected import (
    ExpectedRecord,
    IndexedDoc,
    compare,
    expected_record,
    purge_covers,
)
from projections.record.messages import RawMessage
from schemas.commands import (
    PurgeOrganisation,
    PurgePerson,
    organisation_purge_message,
    purge_message,
)
from tests.unit.projections.builders import (
    T0,
    identity_change,
    linked,
    patient_event,
    result_event,
)

R0, R1, PAT = "result|RC9|R0", "result|RC9|R1", "patient|RC9|P001-pat"


class Log:
    """Messages on a shared topic, each with the next offset of its partition and a time."""

    def __init__(self) -> None:
        self.messages: list[RawMessage] = []
        self._clock = 0

    def add(self, message: tuple[bytes, bytes, list[tuple[str, bytes]]], partition: int = 0,
            at: int | None = None) -> None:  # fmt: skip
        key, value, headers = message
        offset = sum(1 for m in self.messages if m.partition == partition)
        self._clock += 1
        stamp = self._clock if at is None else at
        self.messages.append(RawMessage("shared", partition, offset, key, value, headers, stamp))


def _result(record_id: str, person: str = "P1", **head: object) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:  # fmt: skip
    return linked(result_event(source_record_id=record_id, **head), person)


def _purge(person: str = "P1", **scope: object) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    key, value, headers = purge_message(PurgePerson(person, "cmd", **scope))  # type: ignore[arg-type]
    return key, value, list(headers)


def _change(message: bytes) -> RawMessage:
    return RawMessage("changes", 0, 0, b"k", message, [])


def test_an_item_shared_again_after_a_purge_is_expected_visible() -> None:
    """Share, purge, share the same version again: visible (the log, not the clock, decides)."""
    log = Log()
    log.add(_result("R0"))
    log.add(_purge())
    log.add(_result("R0"))
    docs = expected_record(log.messages, []).documents
    assert docs[R0].removed == "" and docs[R0].version == 1


def test_a_purge_removes_only_what_came_before_it_on_the_partition() -> None:
    """Items before a whole-person purge are purged; a later item is not."""
    log = Log()
    log.add(_result("R0"))
    log.add(_purge())
    log.add(_result("R1"))
    docs = expected_record(log.messages, []).documents
    assert (docs[R0].removed, docs[R1].removed) == ("purged", "")


def test_an_older_version_never_replaces_a_newer_one_and_delete_leaves_a_tombstone() -> None:
    """Versions follow external_gte: v2 DELETE then a late v1 leaves the v2 tombstone."""
    log = Log()
    log.add(_result("R0", version=2, operation="DELETE"))
    log.add(_result("R0", version=1))
    doc = expected_record(log.messages, []).documents[R0]
    assert (doc.version, doc.removed) == (2, "deleted")


def test_partitions_merge_by_timestamp() -> None:
    """A purge on partition 1 stamped after partition 0's item removes it; stamped before, not."""
    before, after = Log(), Log()
    before.add(_result("R0", person="P1"), partition=0, at=10)
    before.add(_purge(items=(("RC9", "R0"),)), partition=1, at=20)
    after.add(_result("R0", person="P1"), partition=0, at=30)
    after.add(_purge(items=(("RC9", "R0"),)), partition=1, at=20)
    assert expected_record(before.messages, []).documents[R0].removed == "purged"
    assert expected_record(after.messages, []).documents[R0].removed == ""


def test_the_newest_identity_change_decides_the_owner() -> None:
    """Two changes name the key: the later change time wins whatever order they were read."""
    log = Log()
    log.add(_result("R0", person="P1", local_patient_id="L1"))
    later = identity_change("MERGE", "P3", previous="P1", source_keys=("RC9:L1",),
                            occurred_at=T0 + timedelta(minutes=5))  # fmt: skip
    earlier = identity_change("MERGE", "P2", previous="P1", source_keys=("RC9:L1",))
    record = expected_record(log.messages, [_change(later), _change(earlier)])
    assert record.documents[R0].person_id == "P3"


@pytest.mark.parametrize(
    ("scope", "person", "record_id", "key", "covered"),
    [
        ({}, "P1", "R0", "RC9:L1", True),
        ({}, "P2", "R0", "RC9:L1", False),
        ({"items": (("RC9", "R0"),)}, "P2", "R0#c1", "RC9:L1", True),
        ({"items": (("RC9", "R0"),)}, "P1", "R01", "RC9:L1", False),
        ({"source_keys": ("RC9:L1",)}, "P9", "R5", "RC9:L1", True),
        ({"source_keys": ("RC9:L1",)}, "P1", "R5", "RC9:L2", False),
    ],
)
def test_purge_scopes(scope: dict[str, object], person: str, record_id: str, key: str,
                      covered: bool) -> None:  # fmt: skip
    """Person purges follow the holder; item purges take components; key purges any holder."""
    command = PurgePerson("P1", "cmd", **scope)  # type: ignore[arg-type]
    assert purge_covers(command, person_id=person, org="RC9", source_record_id=record_id,
                        source_key=key) is covered  # fmt: skip


def test_dead_lettered_messages_are_counted_apart() -> None:
    """A message the projection dead-lettered is neither expected nor missing."""
    log = Log()
    log.add(_result("R0"))
    log.add((b"P1", b"\x00garbage", []))
    record = expected_record(log.messages, [], dead_lettered=[(0, 0)])
    assert (dict(record.documents), record.dead_lettered, record.unreadable) == ({}, 1, 1)


def _indexed(doc_id: str, version: int = 1, *, deleted: bool = False, person: str = "P1",
             kind: str = "item", counts: dict[str, int] | None = None) -> IndexedDoc:  # fmt: skip
    return IndexedDoc(doc_id, kind, version, deleted, None if deleted else person, None, counts)


def _summary(person: str = "P1", results: int = 1) -> IndexedDoc:
    counts = {
        "result": results,
        "medication": 0,
        "encounter": 0,
        "condition": 0,
        "allergy": 0,
        "immunisation": 0,
        "procedure": 0,
        "document": 0,
    }
    return _indexed(f"summary|{person}", kind="summary", person=person, counts=counts)


def _expected() -> ExpectedRecord:
    log = Log()
    log.add(_result("R0"))
    log.add(_result("R1"))
    log.add(_purge(items=(("RC9", "R1"),)))
    log.add(linked(patient_event(source_record_id="P001-pat"), "P1"))
    return expected_record(log.messages, [])


def test_an_index_equal_to_the_log_is_ok() -> None:
    """Visible items and patient, the purged item as a tombstone, a right summary: no difference."""
    report = compare(_expected(), [_indexed(R0), _indexed(R1, deleted=True), _indexed(PAT),
                                   _summary()])  # fmt: skip
    assert report.ok and (report.expected_visible, report.removed) == (2, 1)


@pytest.mark.parametrize(
    ("index", "kind", "reason"),
    [
        ([_indexed(PAT), _summary()], "missing", "absent"),
        ([_indexed(R0, deleted=True), _indexed(PAT), _summary()], "missing", "tombstoned"),
        ([_indexed(R0), _indexed(R1), _indexed(PAT), _summary()], "leaked", "purged"),
        (
            [_indexed(R0), _indexed("result|RC9|X"), _indexed(PAT), _summary()],
            "leaked",
            "not-in-log",
        ),
        ([_indexed(R0, 2), _indexed(PAT), _summary()], "mismatched", "version"),
        ([_indexed(R0, person="P2"), _indexed(PAT), _summary()], "mismatched", "person"),
        ([_indexed(R0), _indexed(PAT)], "missing", "summary-missing"),
        ([_indexed(R0), _indexed(PAT), _summary(results=2)], "mismatched", "summary-counts"),
        ([_indexed(R0), _indexed(PAT), _summary(), _summary("P9")], "leaked", "summary-orphaned"),
    ],
)
def test_each_difference_is_named(index: list[IndexedDoc], kind: str, reason: str) -> None:
    """Every way the index can differ from the log is reported under its kind and reason."""
    report = compare(_expected(), index)
    assert not report.ok
    assert report.by_reason()[kind] == {reason: 1}
    assert report.as_json()[kind] == 1
    assert sum(report.count(k) for k in ("missing", "leaked", "mismatched")) == 1


def test_a_duplicate_at_the_same_version_keeps_the_first_copy_unless_purged() -> None:
    """The same version again is a duplicate (the first stays) unless a purge came between."""
    log = Log()
    log.add(_result("R0", operation="DELETE"))
    log.add(_result("R0"))
    assert expected_record(log.messages, []).documents[R0].removed == "deleted"


def test_an_organisation_purge_on_each_partition_removes_its_documents_only() -> None:
    """An organisation purge (one copy per partition) removes that organisation's documents of
    every person; another organisation's stay; a later share of the organisation is kept."""
    log = Log()
    log.add(_result("G1", org="E81001"), partition=0)
    log.add(_result("G2", person="P2", org="E81001"), partition=1)
    log.add(_result("R0"), partition=0)
    key, value, headers = organisation_purge_message(PurgeOrganisation("E81001", "cmd-org"))
    log.add((key, value, list(headers)), partition=0)
    log.add((key, value, list(headers)), partition=1)
    log.add(_result("G3", org="E81001"), partition=0)
    expected = expected_record(log.messages, [])
    assert set(expected.visible()) == {R0, "result|E81001|G3"}
    assert {d.removed for i, d in expected.documents.items() if i.endswith(("G1", "G2"))} == {
        "purged"
    }
