"""Current or past: the rule of medicines.py (the OpenSearch clause is checked against the same
cases on a real node in tests/integration/api/test_api.py)."""

from __future__ import annotations

from datetime import date

import pytest

from consumers.api.medicines import current_first, is_current

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize(
    ("fields", "current"),
    [
        ({"status": "ACTIVE"}, True),
        ({"status": "ON_HOLD"}, True),
        ({"status": "UNKNOWN"}, True),  # the safe reading: shown as current, status unknown
        ({}, True),
        ({"status": "ACTIVE", "end_date": "2026-12-06"}, True),  # ends today: still taken
        ({"status": "ACTIVE", "end_date": "2027-01-01"}, True),
        ({"status": "ACTIVE", "end_date": "2026-12-05"}, False),
        ({"status": "UNKNOWN", "end_date": "2026-12-05T00:00:00Z"}, False),
        ({"status": "STOPPED"}, False),
        ({"status": "COMPLETED", "end_date": "2030-01-01"}, False),
        ({"status": "CANCELLED"}, False),
    ],
)
def test_a_medicine_is_current_unless_it_ended(fields: dict[str, str], current: bool) -> None:
    assert is_current(fields, TODAY) is current


def test_current_first_keeps_the_query_as_the_filter() -> None:
    """Which items match does not change: the query is the filter, the rule only scores."""
    query = {"term": {"person_id": "p"}}
    wrapped = current_first(query)
    assert wrapped["bool"]["filter"] == [query]
    assert "must" not in wrapped["bool"] and "minimum_should_match" not in wrapped["bool"]
