"""The index template of the record: explicit mappings, ``dynamic: strict``. Data, no I/O.

One index holds three kinds of document (``doc_kind``): ``item`` (a result, medication,
encounter, condition, allergy, immunisation, procedure or document), ``patient``
(demographics as one organisation knows them) and ``summary`` (one small derived document per
person). A field the mapping does not name is rejected, so a schema change shows up as dead
letters instead of silently reshaping the index.
"""

from __future__ import annotations

from typing import Any

from projections.record.ids import index_pattern

__all__ = ["index_template", "mappings", "missing_fields"]

Mapping = dict[str, Any]

_KEYWORD: Mapping = {"type": "keyword"}
_TEXT_KEYWORD: Mapping = {
    "type": "text",
    "fields": {"raw": {"type": "keyword", "ignore_above": 256}},
}
_TEXT: Mapping = {"type": "text"}
_DATE: Mapping = {"type": "date"}
_DOUBLE: Mapping = {"type": "double"}
_LONG: Mapping = {"type": "long"}
_INT: Mapping = {"type": "integer"}
_BOOL: Mapping = {"type": "boolean"}


def _object(**properties: Mapping) -> Mapping:
    return {"type": "object", "properties": properties}


def _kept_only(field: Mapping) -> Mapping:
    """``field`` kept in ``_source`` and checked by the strict mapping, but neither indexed
    nor given doc values: for what readers only ever read, never search, sort or count."""
    if field["type"] == "object":
        return _object(**{name: _kept_only(child) for name, child in field["properties"].items()})
    if field["type"] == "text":
        return {"type": "text", "index": False}
    return {"type": field["type"], "index": False, "doc_values": False}


def _code() -> Mapping:
    return _object(system=_KEYWORD, code=_KEYWORD, display=_TEXT_KEYWORD)


def _result() -> Mapping:
    return _object(
        code=_code(), panel=_code(), status=_KEYWORD, value_quantity=_DOUBLE,
        value_text=_TEXT, unit=_KEYWORD, reference_low=_DOUBLE, reference_high=_DOUBLE,
        reference_text=_TEXT, abnormal_flag=_KEYWORD, specimen=_KEYWORD, issued_at=_DATE,
        performer_org=_KEYWORD, category=_KEYWORD,
    )  # fmt: skip


def _medication() -> Mapping:
    return _object(
        medication=_code(), kind=_KEYWORD, status=_KEYWORD, course=_KEYWORD, dose_text=_TEXT,
        dose_quantity=_DOUBLE, dose_unit=_KEYWORD, route=_KEYWORD, frequency=_TEXT_KEYWORD,
        start_date=_DATE, end_date=_DATE, prescriber=_KEYWORD,
    )  # fmt: skip


def _encounter() -> Mapping:
    return _object(
        encounter_class=_KEYWORD, status=_KEYWORD, period_start=_DATE, period_end=_DATE,
        service=_TEXT_KEYWORD, location=_TEXT_KEYWORD, reason=_code(),
    )  # fmt: skip


def _condition() -> Mapping:
    return _object(
        code=_code(), category=_KEYWORD, clinical_status=_KEYWORD, verification_status=_KEYWORD,
        severity=_KEYWORD, onset_date=_DATE, abatement_date=_DATE, asserter_org=_KEYWORD,
    )  # fmt: skip


def _allergy() -> Mapping:
    return _object(
        code=_code(), clinical_status=_KEYWORD, verification_status=_KEYWORD,
        allergy_type=_KEYWORD, categories=_KEYWORD, criticality=_KEYWORD, onset_date=_DATE,
        reactions=_code(), reaction_severity=_KEYWORD,
    )  # fmt: skip


def _immunisation() -> Mapping:
    return _object(
        vaccine=_code(), status=_KEYWORD, occurrence_date=_DATE, primary_source=_BOOL,
        lot_number=_KEYWORD, site=_TEXT_KEYWORD, route=_KEYWORD, dose_number=_INT,
        performer_org=_KEYWORD,
    )  # fmt: skip


def _procedure() -> Mapping:
    return _object(
        code=_code(), status=_KEYWORD, performed_start=_DATE, performed_end=_DATE,
        body_site=_TEXT_KEYWORD, outcome=_TEXT, reasons=_code(), performer_org=_KEYWORD,
    )  # fmt: skip


def _document() -> Mapping:
    # An attachment is kept in _source only (``binary`` is never indexed or searchable); the
    # URL is a keyword nobody searches, so it is not indexed either.
    return _object(
        type=_code(), status=_KEYWORD, date=_DATE, description=_TEXT, author_org=_KEYWORD,
        title=_TEXT, content_type=_KEYWORD, url={"type": "keyword", "index": False},
        data={"type": "binary"}, size=_LONG,
    )  # fmt: skip


def _patient() -> Mapping:
    return _object(
        nhs_number=_KEYWORD, nhs_number_status=_KEYWORD, given_names=_TEXT_KEYWORD,
        family_name=_TEXT_KEYWORD, birth_date=_DATE, sex=_KEYWORD, postcode=_KEYWORD,
        address_lines=_TEXT, phone=_KEYWORD, deceased_at=_DATE, registered_gp_practice=_KEYWORD,
        preferred_language=_KEYWORD, merged_local_patient_ids=_KEYWORD,
        previous_local_patient_id=_KEYWORD,
    )  # fmt: skip


def _summary() -> Mapping:
    source = _object(
        source_key=_KEYWORD, org=_KEYWORD, source_system=_KEYWORD, source_record_id=_KEYWORD,
        record_version=_LONG, recorded_at=_DATE, patient=_patient(),
    )  # fmt: skip
    counts = _object(
        result=_INT, medication=_INT, encounter=_INT, condition=_INT, allergy=_INT,
        immunisation=_INT, procedure=_INT, document=_INT,
    )  # fmt: skip
    # The sources (a copy of each patient document) are read with the summary, never searched.
    return _object(
        sources=_kept_only(source), counts=counts, item_count=_INT, latest_recorded_at=_DATE,
        computed_at=_DATE,
    )  # fmt: skip


def mappings() -> Mapping:
    """The mappings of every record index version (``dynamic: strict`` at the root)."""
    return {
        "dynamic": "strict",
        "properties": {
            "doc_kind": _KEYWORD, "record_type": _KEYWORD, "person_id": _KEYWORD,
            "source_key": _KEYWORD, "org": _KEYWORD, "source_system": _KEYWORD,
            "source_record_id": _KEYWORD, "record_version": _LONG, "schema_version": _INT,
            "event_id": _KEYWORD, "operation": _KEYWORD, "deleted": _BOOL,
            "confidentiality": _KEYWORD, "occurred_at": _DATE, "recorded_at": _DATE,
            "received_at": _DATE,
            # Provenance, read with the document, never searched.
            "kafka": _kept_only(_object(
                topic=_KEYWORD, partition=_INT, offset=_LONG,
                source_topic=_KEYWORD, source_partition=_INT, source_offset=_LONG,
            )),
            "result": _result(), "medication": _medication(), "encounter": _encounter(),
            "condition": _condition(), "allergy": _allergy(), "patient": _patient(),
            "immunisation": _immunisation(), "procedure": _procedure(), "document": _document(),
            "summary": _summary(),
        },
    }  # fmt: skip


def index_template(prefix: str, *, shards: int, replicas: int, refresh_interval: str) -> Mapping:
    """Body of ``PUT _index_template/<prefix>-v1``: settings and mappings for new versions.

    ``refresh_interval`` decides freshness: with 500 ms and a 100 ms flush interval a change
    is searchable within about 0.6 s plus the bulk round trip.
    """
    return {
        "index_patterns": [index_pattern(prefix)],
        "priority": 100,
        "template": {
            "settings": {
                "index": {
                    "number_of_shards": shards,
                    "number_of_replicas": replicas,
                    "refresh_interval": refresh_interval,
                }
            },
            "mappings": mappings(),
        },
    }


def missing_fields(current: Mapping, wanted: Mapping) -> dict[str, Any]:
    """The properties of ``wanted`` (a mapping) that ``current`` (an index's mapping) lacks, at
    any depth: what an index made by an earlier version must be given before today's documents
    fit its strict mapping. Fields it has keep their definitions (OpenSearch cannot change a
    field in place; a rebuild can). Pure."""
    have = current.get("properties", {})
    missing: dict[str, Any] = {}
    for name, field in wanted.get("properties", {}).items():
        if name not in have:
            missing[name] = field
        elif "properties" in field:
            inner = missing_fields(have[name], field)
            if inner:
                missing[name] = {"properties": inner}
    return missing
