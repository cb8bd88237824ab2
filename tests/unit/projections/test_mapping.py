"""The strict mapping covers every field the documents and summaries write."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from projections.record.documents import Origin, build_document
from projections.record.mapping import index_template, mappings, missing_fields
from projections.record.summary import build_summary
from schemas.events import SourceEvent
from tests.unit.projections.builders import (
    allergy_event,
    condition_event,
    document_event,
    encounter_event,
    immunisation_event,
    medication_event,
    patient_event,
    procedure_event,
    result_event,
)

NOW = datetime(2024, 3, 2, tzinfo=UTC)


def _unmapped(value: Any, properties: dict[str, Any], path: str = "") -> list[str]:
    missing: list[str] = []
    for key, child in value.items():
        mapped = properties.get(key)
        if mapped is None:
            missing.append(f"{path}{key}")
        elif isinstance(child, dict) and "properties" in mapped:
            missing.extend(_unmapped(child, mapped["properties"], f"{path}{key}."))
        elif isinstance(child, list) and child and isinstance(child[0], dict):
            for item in child:
                missing.extend(_unmapped(item, mapped["properties"], f"{path}{key}."))
    return missing


@pytest.mark.parametrize(
    "event",
    [
        result_event(),
        medication_event(),
        encounter_event(),
        condition_event(),
        allergy_event(),
        immunisation_event(),
        procedure_event(),
        document_event(),
        patient_event(),
    ],
)
def test_every_document_field_is_mapped(event: SourceEvent) -> None:
    """No field a document carries is missing from the strict mapping."""
    origin = Origin("P1", "mcr.linked", 0, 0, NOW, "mcr.source.result", 0, 0)
    doc = build_document(event.record_type, event.payload, origin, schema_version=2)
    assert doc is not None
    assert _unmapped(doc.body, mappings()["properties"]) == []


def test_every_summary_field_is_mapped() -> None:
    """The summary document, sources included, fits the strict mapping."""
    patient = build_document(patient_event().record_type, patient_event().payload,
                             Origin("P1", "t", 0, 0, NOW), schema_version=2)  # fmt: skip
    assert patient is not None
    source = {k: patient.body[k] for k in ("source_key", "org", "source_system", "source_record_id",
                                           "record_version", "recorded_at", "patient")}  # fmt: skip
    bucket = {"key": "P1", "doc_count": 2, "types": {"buckets": [{"key": "result", "doc_count": 1}]},
              "latest": {}, "patients": {"docs": {"hits": {"hits": [{"_source": source}]}}}}  # fmt: skip
    summary = build_summary("P1", bucket, computed_at=NOW)
    assert summary is not None
    assert _unmapped(summary, mappings()["properties"]) == []


def test_template_is_strict_and_applies_to_the_prefix_versions() -> None:
    """New versions under the prefix get strict mappings and the configured refresh."""
    template = index_template("record", shards=1, replicas=0, refresh_interval="500ms")
    assert template["index_patterns"] == ["record-v1-*"]
    assert template["template"]["mappings"]["dynamic"] == "strict"
    assert template["template"]["settings"]["index"]["refresh_interval"] == "500ms"


def _leaves(field: dict[str, Any]) -> list[dict[str, Any]]:
    if "properties" in field:
        return [leaf for child in field["properties"].values() for leaf in _leaves(child)]
    return [field]


@pytest.mark.parametrize("path", [("kafka",), ("summary", "sources")])
def test_fields_only_read_are_neither_indexed_nor_given_doc_values(path: tuple[str, ...]) -> None:
    """Provenance and the summary's copies of patient documents are kept in _source only (and
    still checked by the strict mapping); what is searched stays indexed."""
    field: dict[str, Any] = mappings()
    for name in path:
        field = field["properties"][name]
    leaves = _leaves(field)
    assert leaves and all(leaf["index"] is False for leaf in leaves)
    assert all(leaf.get("doc_values", False) is False and "fields" not in leaf for leaf in leaves)
    properties = mappings()["properties"]
    assert "index" not in properties["patient"]["properties"]["nhs_number"]
    assert "index" not in properties["summary"]["properties"]["counts"]["properties"]["result"]


def test_missing_fields_are_what_an_older_index_lacks_at_any_depth() -> None:
    """An index made before conditions and document counts existed: exactly those fields are
    missing (whole new objects, and new leaves inside objects it has); a field it has keeps
    its own definition, even where today's differs."""
    today = mappings()
    older = {"properties": {name: field for name, field in today["properties"].items()
                            if name != "condition"}}  # fmt: skip
    summary = older["properties"]["summary"]["properties"]
    counts = dict(summary["counts"]["properties"])
    del counts["document"]
    older["properties"]["summary"] = {"properties": {**summary, "counts": {"properties": counts}}}
    older["properties"]["kafka"] = {"properties": {"offset": {"type": "long"}}}  # indexed then
    missing = missing_fields(older, today)
    assert set(missing) == {"condition", "summary", "kafka"}
    assert missing["condition"] == today["properties"]["condition"]
    assert missing["summary"] == {"properties": {"counts": {"properties": {
        "document": today["properties"]["summary"]["properties"]["counts"]["properties"]["document"]}}}}  # fmt: skip
    assert "offset" not in missing["kafka"]["properties"]  # kept as the index has it
    assert missing_fields(today, today) == {}
