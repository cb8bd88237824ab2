"""Search bodies the query service sends to the record alias. Pure: values in, dicts out.

Every body filters ``deleted: false`` (tombstones are not content) and names the ``doc_kind``
it wants, so summaries and identity routes never reach a reader. Consent is *not* expressed
here: the hits go through ``access.py`` (the rules of ``streams.consent``), so the rules live in
one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from consumers.api.medicines import current_first
from projections.record.documents import DOC_KIND_ITEM, DOC_KIND_PATIENT
from projections.record.queries import visible_items

__all__ = [
    "MAX_PATIENT_DOCS",
    "MAX_RESULT_WINDOW",
    "MAX_SOURCE_KEYS",
    "NEWEST_FIRST",
    "NOT_SHOWN",
    "ValuesFilter",
    "item_owner",
    "item_page",
    "patients_by_name",
    "patients_by_nhs_number",
    "person_patients",
    "person_source_keys",
    "persons_with_patient_label",
]

Body = dict[str, Any]

#: Patient documents read for one search or one person: one per source record, so a handful.
MAX_PATIENT_DOCS = 200
#: OpenSearch's default ``index.max_result_window``: from + size of a page may not pass it.
MAX_RESULT_WINDOW = 10_000
#: Source keys listed for one person (one per organisation's local patient id: a handful). A
#: person with more cannot have consent checked by owner, so the reader refuses (503).
MAX_SOURCE_KEYS = 1000
#: Never read for an answer: Kafka coordinates, and a document's attached bytes (up to 512 KiB
#: each: a page carries their metadata; the content routes read one document's bytes).
NOT_SHOWN = ["kafka", "document.data"]
_KAFKA = ["kafka"]
NEWEST_FIRST = [
    {"occurred_at": {"order": "desc", "missing": "_last"}},
    {"recorded_at": {"order": "desc", "missing": "_last"}},
    {"org": {"order": "asc"}},
    {"source_record_id": {"order": "asc"}},
]


@dataclass(frozen=True)
class ValuesFilter:
    """Items whose ``field`` holds one of ``values`` (validated stored values, e.g. a FHIR
    search's ``category``); a document without the field counts as holding ``missing_means``
    (a result indexed before result v2 is a laboratory result)."""

    field: str
    values: tuple[str, ...]
    missing_means: str | None = None

    def clause(self) -> dict[str, Any]:
        held = {"terms": {self.field: list(self.values)}}
        if self.missing_means not in self.values:
            return held
        absent = {"bool": {"must_not": [{"exists": {"field": self.field}}]}}
        return {"bool": {"should": [held, absent], "minimum_should_match": 1}}


def _patients(*conditions: dict[str, Any]) -> Body:
    return {
        "size": MAX_PATIENT_DOCS,
        "query": {
            "bool": {
                "filter": [
                    {"term": {"doc_kind": DOC_KIND_PATIENT}},
                    {"term": {"deleted": False}},
                    *conditions,
                ]
            }
        },
        "sort": [{"person_id": "asc"}, {"source_key": "asc"}, {"source_record_id": "asc"}],
        "_source": {"excludes": _KAFKA},
    }


def patients_by_nhs_number(nhs_number: str) -> Body:
    """Patient documents that carry ``nhs_number`` (already validated and normalised)."""
    return _patients({"term": {"patient.nhs_number": nhs_number}})


def patients_by_name(family_name: str, birth_date: str) -> Body:
    """Patient documents with this family name (analysed: case and accents do not matter,
    every word must match) and this ISO birth date."""
    name = {"match": {"patient.family_name": {"query": family_name, "operator": "and"}}}
    return _patients(name, {"term": {"patient.birth_date": birth_date}})


def person_patients(person_id: str) -> Body:
    """The person's patient documents (demographics as each organisation knows them)."""
    return _patients({"term": {"person_id": person_id}})


def item_page(
    person_id: str,
    record_type: str,
    *,
    page: int,
    page_size: int,
    item_id: str | None = None,
    since: str | None = None,
    before: str | None = None,
    only: ValuesFilter | None = None,
    with_content: bool = False,
) -> Body:
    """One page (1-based) of the person's items of ``record_type``, newest first (medicines:
    current ones first, then past ones, each newest first), with the
    exact total of such items (before consent at read); only the document ``item_id`` when
    given, only items that occurred on or after ``since`` and before ``before`` (validated
    ISO dates) when given, only items ``only`` keeps when given; a document's attached
    bytes only ``with_content``."""
    query = visible_items(person_id, record_type)
    narrower: list[dict[str, Any]] = []
    if item_id is not None:
        narrower.append({"ids": {"values": [item_id]}})
    if since is not None or before is not None:
        bounds = {"gte": since, "lt": before}
        narrower.append({"range": {"occurred_at": {k: v for k, v in bounds.items() if v}}})
    if only is not None:
        narrower.append(only.clause())
    if narrower:
        query = {"bool": {"filter": [query, *narrower]}}
    sort: list[Any] = NEWEST_FIRST
    if record_type == "medication":  # current medicines first (medicines.py)
        query, sort = current_first(query), [{"_score": {"order": "desc"}}, *NEWEST_FIRST]
    return {
        "from": (page - 1) * page_size,
        "size": page_size,
        "track_total_hits": True,
        "query": query,
        "sort": sort,
        "_source": {"excludes": _KAFKA if with_content else NOT_SHOWN},
    }


def item_owner(doc_id: str) -> Body:
    """The live item document ``doc_id``, its person only (a FHIR read by id)."""
    return {
        "size": 1,
        "query": {
            "bool": {
                "filter": [
                    {"ids": {"values": [doc_id]}},
                    {"term": {"doc_kind": DOC_KIND_ITEM}},
                    {"term": {"deleted": False}},
                ]
            }
        },
        "_source": ["person_id"],
    }


def person_source_keys(person_id: str) -> Body:
    """No documents: the source key of every live item and patient document of the person
    (a terms aggregation, ``source_keys``), whatever page is read, so consent at read can ask
    who owns each key now."""
    return {
        "size": 0,
        "track_total_hits": False,
        "query": {
            "bool": {
                "filter": [
                    {"term": {"person_id": person_id}},
                    {"terms": {"doc_kind": [DOC_KIND_ITEM, DOC_KIND_PATIENT]}},
                    {"term": {"deleted": False}},
                ]
            }
        },
        "aggs": {"source_keys": {"terms": {"field": "source_key", "size": MAX_SOURCE_KEYS}}},
    }


def persons_with_patient_label(person_ids: Sequence[str], label: str) -> Body:
    """No documents: which of ``person_ids`` have a live patient document labelled ``label``
    (a terms aggregation, ``persons``)."""
    return {
        "size": 0,
        "track_total_hits": False,
        "query": {
            "bool": {
                "filter": [
                    {"term": {"doc_kind": DOC_KIND_PATIENT}},
                    {"term": {"deleted": False}},
                    {"terms": {"person_id": list(person_ids)}},
                    {"term": {"confidentiality": label}},
                ]
            }
        },
        "aggs": {"persons": {"terms": {"field": "person_id", "size": max(1, len(person_ids))}}},
    }
