"""The compact id set: exact membership for UUID and other ids, duplicates collapse."""

from __future__ import annotations

import uuid

from consumers.ops.bench.id_set import IdSet, id_key


def test_membership_is_exact() -> None:
    ids = [str(uuid.UUID(int=n)) for n in range(0, 3000, 3)]
    found = IdSet.of([*ids, *ids[:10]])
    assert len(found) == len(ids)
    assert all(i in found for i in ids)
    assert str(uuid.UUID(int=1)) not in found
    assert str(uuid.UUID(int=2**128 - 1)) not in found  # past the largest key


def test_ids_that_are_not_uuids_are_digested() -> None:
    found = IdSet.of(["evt-1", "evt-2"])
    assert "evt-1" in found and "evt-3" not in found
    assert len(id_key("evt-1")) == 16


def test_an_empty_set_holds_nothing() -> None:
    assert "x" not in IdSet.of([]) and len(IdSet.of([])) == 0
    assert 5 not in IdSet.of(["5"])
