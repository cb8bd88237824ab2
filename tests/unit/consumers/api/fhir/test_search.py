"""FHIR search parameters, page tokens and the query narrowing they become. Pure."""

from __future__ import annotations

import base64
import json

import pytest

from consumers.api import queries
from consumers.api.errors import ValidationError
from consumers.api.fhir.search import ItemSearch, item_search, page_token


@pytest.mark.parametrize(
    ("dates", "since", "before"),
    [(["2024-03-01"], "2024-03-01", "2024-03-02"),
     (["eq2024-03-01"], "2024-03-01", "2024-03-02"),
     (["ge2024-03-01"], "2024-03-01", None),
     (["gt2024-03-01"], "2024-03-02", None),
     (["le2024-03-01"], None, "2024-03-02"),
     (["lt2024-03-01"], None, "2024-03-01"),
     (["ge2024-01-01", "lt2024-02-01"], "2024-01-01", "2024-02-01")],
)  # fmt: skip
def test_date_prefixes_become_a_half_open_range(
    dates: list[str], since: str | None, before: str | None
) -> None:
    """Each prefix gives the [since, before) range it means."""
    found = item_search({"patient": ["p-1"], "date": dates}, date_param="date")
    assert (found.since, found.before) == (since, before)


@pytest.mark.parametrize(
    ("query", "field"),
    [({"patient": ["p-1"], "date": ["ge2024-01-01", "gt2024-01-05"]}, "date"),
     ({"patient": ["p-1"], "date": ["ge2024-02-01", "lt2024-01-01"]}, "date"),
     ({"patient": ["p-1"], "date": ["2024-02-30"]}, "date"),
     ({"patient": ["p-1"], "date": ["ne2024-02-01"]}, "date"),
     ({"patient": ["p-1"], "_count": ["0"]}, "_count"),
     ({"patient": ["p-1"], "_count": ["101"]}, "_count"),
     ({"patient": ["p-1"], "_count": ["²"]}, "_count"),
     ({"patient": ["p-1"], "subject": ["p-1"]}, "patient"),
     ({"patient": ["p-1", "p-2"]}, "patient"),
     ({}, "patient"),
     ({"patient": ["Practitioner/1"]}, "patient"),
     ({"patient": ["p-1"], "code": ["718-7"]}, "query"),
     ({"patient": ["p-1"], "_page_token": ["x"]}, "_page_token")],
)  # fmt: skip
def test_bad_searches_name_the_parameter(query: dict[str, list[str]], field: str) -> None:
    """Every rule broken is a ValidationError naming the parameter."""
    with pytest.raises(ValidationError) as raised:
        item_search(query, date_param="date")
    assert raised.value.field == field


def test_a_page_token_round_trips_and_is_validated_again() -> None:
    """A token gives back its search; a token whose content breaks a rule is refused."""
    search = ItemSearch("p-1", 20, 3, "2024-01-01", "2024-02-01")
    assert item_search({"_page_token": [page_token(search)]}, date_param="date") == search
    forged = ItemSearch("not a person!", 20, 2)
    with pytest.raises(ValidationError, match="_page_token"):
        item_search({"_page_token": [page_token(forged)]}, date_param="date")
    raw = base64.urlsafe_b64encode(json.dumps({"page": 2}).encode()).decode()
    with pytest.raises(ValidationError, match="_page_token"):
        item_search({"_page_token": [raw]}, date_param="date")
    beyond = ItemSearch("p-1", 100, 101)
    with pytest.raises(ValidationError, match="_page_token"):
        item_search({"_page_token": [page_token(beyond)]}, date_param="date")


def test_narrowing_adds_id_and_date_filters_to_the_page_query() -> None:
    """An item id and a date range narrow the item page query; none leaves it as it was."""
    plain = queries.item_page("p-1", "result", page=1, page_size=10)
    narrowed = queries.item_page("p-1", "result", page=1, page_size=10, item_id="result|RC9|R1",
                                 since="2024-01-01", before=None)  # fmt: skip
    assert plain["query"] == queries.visible_items("p-1", "result")
    filters = narrowed["query"]["bool"]["filter"]
    assert filters[0] == plain["query"]
    assert filters[1] == {"ids": {"values": ["result|RC9|R1"]}}
    assert filters[2] == {"range": {"occurred_at": {"gte": "2024-01-01"}}}
