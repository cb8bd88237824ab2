"""The audit hash chain: exact hashing, and that any edit, deletion or reordering is found."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from consumers.api.chain import (
    GENESIS,
    AuditEntry,
    ChainedRow,
    canonical_json,
    link,
    row_hash,
    verify,
)

AT = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def entry(n: int = 0, **changes: object) -> AuditEntry:
    """A synthetic audit entry (ids and counts only)."""
    base = AuditEntry(
        at=AT + timedelta(seconds=n),
        request_id=f"req-{n}",
        user_id="demo-clinician",
        purpose="direct-care",
        action="GET /api/persons/{person_id}/record",
        query_kind="person_record",
        person_ids=("person-b", "person-a"),
        outcome="shown",
        status=200,
        shown=3,
        kept_back=1,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def chain_of(count: int) -> list[ChainedRow]:
    """``count`` linked rows."""
    rows: list[ChainedRow] = []
    for n in range(count):
        rows.append(link(rows[-1] if rows else None, entry(n)))
    return rows


def test_canonical_json_is_sorted_compact_and_exact() -> None:
    """The hashed text has sorted keys, no spaces, UTC microseconds and sorted person ids."""
    assert canonical_json(7, entry()) == (
        '{"action":"GET /api/persons/{person_id}/record","at":"2025-03-01T12:00:00.123456+00:00",'
        '"kept_back":1,"outcome":"shown","person_ids":["person-a","person-b"],'
        '"purpose":"direct-care","query_kind":"person_record","request_id":"req-0","seq":7,'
        '"shown":3,"status":200,"user_id":"demo-clinician"}'
    )


def test_the_same_instant_in_another_zone_hashes_the_same() -> None:
    """A timestamp read back from PostgreSQL in another session zone gives the same hash."""
    elsewhere = AT.astimezone(datetime.now().astimezone().tzinfo)
    assert row_hash(GENESIS, 1, entry(at=elsewhere)) == row_hash(GENESIS, 1, entry())


def test_first_row_links_to_the_genesis_with_sha256_of_prev_plus_json() -> None:
    """Row 1 has prev_hash '0'*64 and hash = sha256(prev_hash + canonical JSON)."""
    row = link(None, entry())

    expected = hashlib.sha256((GENESIS + canonical_json(1, entry())).encode()).hexdigest()
    assert (row.seq, row.prev_hash, row.hash) == (1, "0" * 64, expected)


def test_each_row_links_to_the_hash_of_the_one_before() -> None:
    """Row n+1's prev_hash is row n's hash and seq grows by one."""
    rows = chain_of(3)

    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash


def test_an_intact_chain_verifies_and_reports_its_head() -> None:
    """verify walks every row and reports the head seq and hash."""
    rows = chain_of(4)

    result = verify(rows)

    assert (result.ok, result.checked, result.head_seq, result.head_hash) == (
        True,
        4,
        4,
        rows[-1].hash,
    )


def test_an_empty_chain_verifies() -> None:
    """No rows is a valid chain whose head is the genesis."""
    assert verify([]) == verify([]) and verify([]).ok and verify([]).head_hash == GENESIS


@pytest.mark.parametrize(
    "field_change",
    [
        {"user_id": "someone-else"},
        {"person_ids": ("person-c",)},
        {"outcome": "objection"},
        {"status": 403},
        {"at": AT + timedelta(days=1)},
        {"shown": 0},
    ],
)
def test_editing_any_field_of_a_row_is_found_at_that_row(field_change: dict[str, object]) -> None:
    """Changing one stored field of row 2 breaks the chain at seq 2, naming the hash."""
    rows = chain_of(3)
    rows[1] = replace(rows[1], entry=replace(rows[1].entry, **field_change))  # type: ignore[arg-type]

    result = verify(rows)

    assert (result.ok, result.broken_seq, result.checked) == (False, 2, 1)
    assert result.reason.startswith("hash:")


def test_a_rewritten_row_with_a_recomputed_hash_breaks_the_next_link() -> None:
    """Re-hashing an edited row does not help: the next row's prev_hash no longer matches."""
    rows = chain_of(3)
    forged = link(rows[0], entry(1, user_id="someone-else"))
    rows[1] = forged

    result = verify(rows)

    assert (result.broken_seq, result.reason.split(":")[0]) == (3, "prev_hash")


def test_a_deleted_row_is_found() -> None:
    """Removing row 2 leaves a gap in seq that verify reports at the next row."""
    rows = chain_of(3)
    del rows[1]

    result = verify(rows)

    assert (result.broken_seq, result.reason.split(":")[0]) == (3, "seq")


def test_swapped_rows_are_found() -> None:
    """Reordering rows breaks the chain at the first row out of place."""
    rows = chain_of(3)
    rows[1], rows[2] = rows[2], rows[1]

    assert verify(rows).broken_seq == 3


OLD_SHAPE = AuditEntry(datetime(2025, 3, 1, 12, 0, tzinfo=UTC), "req-1", "dr-audit",
                       "direct-care", "GET /api/persons/{person_id}/record", "person_record",
                       ("person-b", "person-a"), "shown", 200, 3, 1)  # fmt: skip


def test_an_entry_without_the_role_fields_hashes_exactly_as_before_they_existed() -> None:
    """Hash compatibility: an entry of the shape written before role_id, role_code and
    org_code has the canonical JSON and hash the earlier code gave it (literal values), so
    every older row still verifies."""
    assert canonical_json(7, OLD_SHAPE) == (
        '{"action":"GET /api/persons/{person_id}/record","at":"2025-03-01T12:00:00.000000+00:00",'
        '"kept_back":1,"outcome":"shown","person_ids":["person-a","person-b"],'
        '"purpose":"direct-care","query_kind":"person_record","request_id":"req-1","seq":7,'
        '"shown":3,"status":200,"user_id":"dr-audit"}'
    )
    assert row_hash(GENESIS, 7, OLD_SHAPE) == (
        "a4196fa1ea9c3c9438c42e91fe252ddf551580e1d83ad84f67cc31aca3f22693"
    )


def test_role_fields_are_hashed_when_set() -> None:
    """The acting role is part of the hashed content once set: changing it breaks the hash."""
    with_role = replace(OLD_SHAPE, role_id="555000001001", role_code="S8000:G8000:R8000",
                        org_code="E81001")  # fmt: skip
    moved = replace(with_role, org_code="RC9")

    assert '"org_code":"E81001"' in canonical_json(1, with_role)
    assert '"role_id":"555000001001"' in canonical_json(1, with_role)
    assert len({row_hash(GENESIS, 1, e) for e in (OLD_SHAPE, with_role, moved)}) == 3
