"""Identifiers: NHS numbers, local patient ids and event ids derived from (seed, index)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from producers.simulator.ids import TEST_RANGE_SIZE, event_id, local_patient_id, nhs_number_for
from schemas.nhs_number import is_valid


@pytest.mark.parametrize(
    ("seed", "person", "expected"),
    [
        (1, 0, "9994762818"),
        (1, 1, "9996932567"),
        (42, 0, "9995166917"),
        (42, 909_089, "9990626308"),
        (42, 909_090, None),
        (42, 1_100_000, None),
    ],
)
def test_nhs_number_for_person(seed: int, person: int, expected: str | None) -> None:
    """Person i's number is fixed by (seed, i); beyond the 909,090 test numbers there is none."""
    assert nhs_number_for(seed, person) == expected


def test_test_range_size_is_what_the_range_holds() -> None:
    """The documented limit is exactly the number of valid 999-range numbers."""
    assert TEST_RANGE_SIZE == 909_090
    assert nhs_number_for(7, TEST_RANGE_SIZE - 1) is not None


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**31),
    first=st.integers(min_value=0, max_value=TEST_RANGE_SIZE - 1),
    second=st.integers(min_value=0, max_value=TEST_RANGE_SIZE - 1),
)
def test_nhs_numbers_are_valid_test_numbers_and_distinct(
    seed: int, first: int, second: int
) -> None:
    """Every number is a valid 999-range number and different people never share one."""
    a, b = nhs_number_for(seed, first), nhs_number_for(seed, second)
    assert a is not None and b is not None
    assert is_valid(a) and a.startswith("999")
    assert (a == b) == (first == second)


def test_first_fifty_thousand_numbers_are_distinct() -> None:
    """A whole block of consecutive people gets distinct numbers."""
    numbers = {nhs_number_for(3, person) for person in range(50_000)}
    assert len(numbers) == 50_000


@pytest.mark.parametrize(
    ("org", "prefix", "person", "record", "expected"),
    [
        ("RC9", "J", 0, 0, "J47883926"),
        ("RC9", "J", 0, 1, "J10410675"),
        ("E81001", "", 5, 0, "82515965"),
    ],
)
def test_local_patient_id(org: str, prefix: str, person: int, record: int, expected: str) -> None:
    """Local ids are the organisation's prefix plus 8 digits from its own permutation."""
    assert local_patient_id(org, prefix, person=person, record=record) == expected


def test_local_ids_are_distinct_within_an_organisation() -> None:
    """No two (person, record) slots get the same id at one organisation."""
    ids = {
        local_patient_id("RD8", "M", person=p, record=r) for p in range(20_000) for r in range(4)
    }
    assert len(ids) == 80_000


def test_same_person_has_different_ids_at_different_organisations() -> None:
    """Each organisation numbers its patients its own way."""
    assert local_patient_id("RC9", "", person=9) != local_patient_id("RD8", "", person=9)


def test_event_id_is_a_stable_uuid5() -> None:
    """The same event always gets the same id; a new version gets a new one."""
    first = event_id(
        1, org="RC9", record_type="patient", source_record_id="J1", version=1, operation="UPSERT"
    )
    assert first == "418fedd0-993a-5099-b43e-f79bd915dc5a"
    assert first != event_id(
        1, org="RC9", record_type="patient", source_record_id="J1", version=2, operation="UPSERT"
    )
