"""The timeline's parameters and the OpenSearch body built from them (pure)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from consumers.api.errors import ValidationError
from consumers.api.timeline_query import (
    CODE_FIELDS,
    TEXT_FIELDS,
    TimelineQuery,
    parse_timeline_query,
    timeline_body,
)
from consumers.api.validation import ITEM_TYPES

HOSTILE = [
    "title:x OR *",
    '"}} , {"match_all": {}} //',
    "*:*",
    "nhs_number:9990000018",
    "(a AND b) | c~2 -d +e /reg.*ex/",
    "<script>alert(1)</script>",
    "'; DROP TABLE audit_log; --",
    "${jndi:ldap://x/a}",
]


def parse(**params: str) -> TimelineQuery:
    return parse_timeline_query({k: [v] for k, v in params.items()}, record_types=ITEM_TYPES)


def _walk(value: Any) -> list[str]:
    """Every key in a JSON value."""
    if isinstance(value, dict):
        return [*value, *(k for v in value.values() for k in _walk(v))]
    if isinstance(value, list):
        return [k for v in value for k in _walk(v)]
    return []


def test_no_parameters_asks_for_every_type_first_page() -> None:
    """No filter: every type, page 1 of 50, no text or code clause."""
    query = parse()
    assert (query.types, query.orgs, query.text, query.code) == ((), (), None, None)
    body = timeline_body("p1", query, ITEM_TYPES)
    assert body["from"] == 0 and body["size"] == 50 and body["track_total_hits"] is True
    assert body["query"]["bool"]["must"] == []
    assert {"terms": {"record_type": list(ITEM_TYPES)}} in body["query"]["bool"]["filter"]
    assert body["sort"][0] == {"occurred_at": {"order": "desc", "missing": "_last"}}
    assert body["_source"] == {"excludes": ["kafka", "document.data"]}  # bytes: never on a page


def test_filters_become_terms_and_range_of_validated_values() -> None:
    """Types, organisations and an inclusive date range become term filters and a range."""
    query = parse(type="result,medication", org="RC9,E81001", **{"from": "2024-01-01"},
                  to="2024-01-31", page="3", page_size="20")  # fmt: skip
    body = timeline_body("p1", query, ["result"])
    filters = body["query"]["bool"]["filter"]
    assert filters[0] == {"bool": {"filter": [{"term": {"person_id": "p1"}},
                                              {"term": {"doc_kind": "item"}},
                                              {"term": {"deleted": False}}]}}  # fmt: skip
    assert filters[1:] == [
        {"terms": {"record_type": ["result"]}},
        {"terms": {"org": ["RC9", "E81001"]}},
        {"range": {"occurred_at": {"gte": "2024-01-01", "lt": "2024-02-01"}}},
    ]
    assert (body["from"], body["size"]) == (40, 20)
    assert query.types == ("result", "medication")


def test_code_is_one_exact_keyword_over_every_coded_field() -> None:
    """A code is a multi_match over ``*.code`` (keyword fields: matched exactly), a filter."""
    body = timeline_body("p1", parse(code="718-7"), ITEM_TYPES)
    assert body["query"]["bool"]["filter"][-1] == {
        "multi_match": {"query": "718-7", "fields": list(CODE_FIELDS), "lenient": True}
    }


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_becomes_plain_match_text(hostile: str) -> None:
    """Whatever is typed is the ``query`` of a multi_match on our fields and nothing else: no
    query_string, no field or operator syntax, the structure of the body unchanged."""
    body = timeline_body("p1", parse(text=hostile), ITEM_TYPES)
    assert body["query"]["bool"]["must"] == [{
        "multi_match": {"query": " ".join(hostile.split()), "fields": list(TEXT_FIELDS),
                        "type": "best_fields", "operator": "and", "lenient": True},
    }]  # fmt: skip
    keys = set(_walk(body))
    assert not keys & {"query_string", "simple_query_string", "script", "regexp", "wildcard"}
    # The typed text appears once, as a value, whatever quotes or braces it holds.
    assert json.dumps(body).count(json.dumps(" ".join(hostile.split()))) == 1


def test_text_whitespace_is_collapsed() -> None:
    """Runs of spaces, tabs or newlines are one space; the text is trimmed."""
    assert parse(text="  chest \t  pain ").text == "chest pain"


def test_a_type_is_listed_once() -> None:
    """A type named twice is searched once."""
    assert parse(type="result,result").types == ("result",)


def test_dates_are_read_as_days() -> None:
    """``from`` and ``to`` are dates; the range ends after the ``to`` day."""
    query = parse(**{"from": "2024-02-28", "to": "2024-02-29"})
    assert (query.since, query.until, query.before) == (
        date(2024, 2, 28), date(2024, 2, 29), date(2024, 3, 1))  # fmt: skip


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"text": "x" * 201}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "bad\x00byte"}, "text"),
        ({"code": "a b"}, "code"),
        ({"code": "x" * 65}, "code"),
        ({"code": "-leading"}, "code"),
        ({"type": "result,secret"}, "type"),
        ({"type": "patient"}, "type"),
        ({"org": "rc9"}, "org"),
        ({"org": ",".join(f"AB{n:03}" for n in range(21))}, "org"),
        ({"from": "1700000000"}, "from"),
        ({"from": "2024-13-01"}, "from"),
        ({"to": "01/02/2024"}, "to"),
        ({"from": "2024-02-01", "to": "2024-01-01"}, "from"),
        ({"page": "0"}, "page"),
        ({"page": " 5"}, "page"),
        ({"page": "101", "page_size": "100"}, "page"),
        ({"page_size": "101"}, "page_size"),
        ({"page_size": "1e2"}, "page_size"),
        ({"q": "anything"}, "query"),
    ],
)
def test_a_parameter_breaking_a_rule_is_named_never_echoed(
    params: dict[str, str], field: str
) -> None:
    """Each rule broken names its parameter; the message never repeats the value."""
    with pytest.raises(ValidationError) as caught:
        parse(**params)
    assert caught.value.field == field
    for value in params.values():
        if len(value) > 3:
            assert value not in str(caught.value)


def test_a_repeated_parameter_is_refused() -> None:
    """``text`` given twice is a 400, not one of them silently."""
    with pytest.raises(ValidationError, match="give it once"):
        parse_timeline_query({"text": ["a", "b"]}, record_types=ITEM_TYPES)


def test_types_come_from_the_table_given() -> None:
    """A record type added to the service's table is accepted with no change here."""
    query = parse_timeline_query({"type": ["procedure"]}, record_types=(*ITEM_TYPES, "procedure"))
    assert query.types == ("procedure",)
