"""Search bodies: every one filters tombstones and names the document kind it wants."""

from __future__ import annotations

from consumers.api import queries

PATIENT_FILTERS = [{"term": {"doc_kind": "patient"}}, {"term": {"deleted": False}}]


def test_nhs_number_search_body() -> None:
    """Patient documents, not deleted, with the exact NHS number, sorted by person."""
    body = queries.patients_by_nhs_number("9990000018")

    assert body["query"] == {
        "bool": {"filter": [*PATIENT_FILTERS, {"term": {"patient.nhs_number": "9990000018"}}]}
    }
    assert body["size"] == queries.MAX_PATIENT_DOCS
    assert body["sort"][0] == {"person_id": "asc"}
    assert body["_source"] == {"excludes": ["kafka"]}


def test_name_search_matches_every_word_and_the_exact_birth_date() -> None:
    """Family name is an analysed match with operator and; birth date is a term."""
    body = queries.patients_by_name("de la Cruz", "1970-01-01")

    assert body["query"]["bool"]["filter"][2:] == [
        {"match": {"patient.family_name": {"query": "de la Cruz", "operator": "and"}}},
        {"term": {"patient.birth_date": "1970-01-01"}},
    ]


def test_person_patients_body() -> None:
    """A person's patient documents, not deleted."""
    body = queries.person_patients("p-1")

    assert body["query"]["bool"]["filter"] == [*PATIENT_FILTERS, {"term": {"person_id": "p-1"}}]


def test_medicines_page_puts_current_ones_first() -> None:
    """Medicines sort by the current-first score, then newest first; the same items match."""
    body = queries.item_page("p-1", "medication", page=1, page_size=20)
    plain = queries.item_page("p-1", "encounter", page=1, page_size=20)

    assert body["query"]["bool"]["filter"][0]["bool"]["filter"][3] == {
        "term": {"record_type": "medication"}
    }
    assert body["sort"] == [{"_score": {"order": "desc"}}, *plain["sort"]]


def test_item_page_is_newest_first_with_exact_totals() -> None:
    """Page 3 of 20 starts at 40, counts every hit and sorts newest first, ties stable."""
    body = queries.item_page("p-1", "encounter", page=3, page_size=20)

    assert (body["from"], body["size"], body["track_total_hits"]) == (40, 20, True)
    assert body["query"] == {
        "bool": {
            "filter": [
                {"term": {"person_id": "p-1"}},
                {"term": {"doc_kind": "item"}},
                {"term": {"deleted": False}},
                {"term": {"record_type": "encounter"}},
            ]
        }
    }
    assert body["sort"] == [
        {"occurred_at": {"order": "desc", "missing": "_last"}},
        {"recorded_at": {"order": "desc", "missing": "_last"}},
        {"org": {"order": "asc"}},
        {"source_record_id": {"order": "asc"}},
    ]


def test_person_source_keys_lists_every_live_key_without_documents() -> None:
    """No hits, only a terms aggregation on source_key over the person's live items and
    patient documents (every page, not only the one read)."""
    body = queries.person_source_keys("p-1")

    assert (body["size"], body["track_total_hits"]) == (0, False)
    assert body["query"]["bool"]["filter"] == [
        {"term": {"person_id": "p-1"}},
        {"terms": {"doc_kind": ["item", "patient"]}},
        {"term": {"deleted": False}},
    ]
    assert body["aggs"] == {
        "source_keys": {"terms": {"field": "source_key", "size": queries.MAX_SOURCE_KEYS}}
    }


def test_persons_with_patient_label_aggregates_person_ids() -> None:
    """Which persons have a live patient document with the label: no documents, one bucket
    per person, room for every person asked about."""
    body = queries.persons_with_patient_label(["p-1", "p-2"], "V")

    assert body["size"] == 0
    assert body["query"]["bool"]["filter"] == [
        *PATIENT_FILTERS,
        {"terms": {"person_id": ["p-1", "p-2"]}},
        {"term": {"confidentiality": "V"}},
    ]
    assert body["aggs"] == {"persons": {"terms": {"field": "person_id", "size": 2}}}
