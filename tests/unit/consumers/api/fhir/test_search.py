"""FHIR search parameters, page tokens and the query narrowing they become. Pure."""

from __future__ import annotations

import base64
import json

import pytest

from consumers.api import queries
from consumers.api.errors import ValidationError
from consumers.api.fhir.mapping import RESOURCES
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


CATEGORY = RESOURCES["Observation"].category
SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("vital-signs", ("VITAL_SIGNS",)),
     (f"{SYSTEM}|vital-signs", ("VITAL_SIGNS",)),
     ("|laboratory", ("LABORATORY",)),
     ("survey,laboratory,survey", ("LABORATORY", "SURVEY"))],
)  # fmt: skip
def test_category_tokens_become_stored_values(raw: str, stored: tuple[str, ...]) -> None:
    found = item_search({"patient": ["p-1"], "category": [raw]}, date_param="date",
                        category=CATEGORY)  # fmt: skip
    assert found.category == stored


@pytest.mark.parametrize(
    "query",
    [{"category": ["vital"]}, {"category": [""]}, {"category": ["http://loinc.org|survey"]},
     {"category": ["survey", "exam"]}],
)  # fmt: skip
def test_bad_categories_name_the_parameter(query: dict[str, list[str]]) -> None:
    with pytest.raises(ValidationError) as raised:
        item_search({"patient": ["p-1"], **query}, date_param="date", category=CATEGORY)
    assert raised.value.field == "category"


def test_a_type_without_a_category_refuses_the_parameter() -> None:
    with pytest.raises(ValidationError) as raised:
        item_search({"patient": ["p-1"], "category": ["survey"]}, date_param="date")
    assert raised.value.field == "query"


def test_a_page_token_keeps_the_category() -> None:
    search = ItemSearch("p-1", 20, 2, category=("SURVEY", "VITAL_SIGNS"))
    token = {"_page_token": [page_token(search)]}
    assert item_search(token, date_param="date", category=CATEGORY) == search
    with pytest.raises(ValidationError, match="_page_token"):
        item_search(token, date_param="date")  # another type's search


def test_a_category_narrows_the_page_query_and_missing_means_laboratory() -> None:
    """Laboratory also matches results indexed before result v2 (no category field)."""
    vital = ItemSearch("p-1", category=("VITAL_SIGNS",)).as_page(CATEGORY).only
    lab = ItemSearch("p-1", category=("LABORATORY",)).as_page(CATEGORY).only
    assert vital is not None and lab is not None
    assert vital.clause() == {"terms": {"result.category": ["VITAL_SIGNS"]}}
    assert lab.clause() == {"bool": {"should": [
        {"terms": {"result.category": ["LABORATORY"]}},
        {"bool": {"must_not": [{"exists": {"field": "result.category"}}]}},
    ], "minimum_should_match": 1}}  # fmt: skip
    assert ItemSearch("p-1").as_page(CATEGORY).only is None
