"""Observation -> result events (schema ``result``): laboratory results, vital signs and the
other observations of the R4 observation-category code system, each with its ``category``.

Which category an observation has:
1. a code of the R4 observation-category system (``laboratory``, ``vital-signs``,
   ``social-history``, ``survey``, ``exam``, ``imaging``, ``procedure``, ``therapy``,
   ``activity``) -> a result of that category (``laboratory`` wins when there are several,
   then the order of that list). Its own category is authoritative, even inside a lab report;
2. categories, but none of those codes -> skipped as ``Observation(<first code>)`` (Synthea
   files an ejection fraction under a LAB DiagnosticReport as ``vital-sign``, a misspelling);
3. no category -> a laboratory result when a DiagnosticReport in the document lists it and
   the report is in a lab section (v2-0074) or the observation is LOINC-coded, or when a
   laboratory group Observation lists it in ``hasMember``; otherwise skipped as
   ``Observation(uncategorised)``.

A grouping Observation (``hasMember`` and no value) is a panel, not a result: skipped as
``Observation(group)``; its members carry its code as their ``panel``.

Components: an Observation with components gives one result per component (a blood pressure
gives its systolic and its diastolic), with
``source_record_id`` ``Observation/<id>#component-<index>`` (index from 0, in document order)
and the Observation's code as ``panel``. The Observation itself gives a result too only when it
has its own value. The header (times, version, status) is the Observation's.

Times: occurred_at = effectiveDateTime, effectivePeriod.start, effectiveInstant or issued,
then the same from the DiagnosticReport listing it, then meta.lastUpdated; none -> rejected.
recorded_at = meta.lastUpdated, issued (own, then the report's), else occurred_at.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from producers.fhir.codes import LOINC_URI, RESULT_PREFERENCE, code_from, optional_code
from producers.fhir.elements import Json, child, codings, concept_text, items, meta_of, string
from producers.fhir.errors import MappingError
from producers.fhir.header import Context, header
from producers.fhir.identity import referenced_patient
from producers.fhir.organisations import ods_code
from producers.fhir.result_values import (
    RESULT_STATUS,
    abnormal_flag,
    reference_fields,
    value_fields,
)
from producers.fhir.skips import Skip
from producers.fhir.times import first_timestamp
from schemas.events import RecordType, SourceEvent

_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
# fmt: off
LAB_SECTIONS = frozenset({
    "LAB", "CH", "HM", "MB", "BLB", "CG", "CP", "HLA", "IMM", "MCB", "MYC", "OSL", "PAR", "SP",
    "SR", "TX", "URN", "VR",
})
# fmt: on
#: R4 observation-category codes -> the schema's ``ObservationCategory``, in order of precedence.
CATEGORIES = {
    "laboratory": "LABORATORY",
    "vital-signs": "VITAL_SIGNS",
    "social-history": "SOCIAL_HISTORY",
    "survey": "SURVEY",
    "exam": "EXAM",
    "imaging": "IMAGING",
    "procedure": "PROCEDURE",
    "therapy": "THERAPY",
    "activity": "ACTIVITY",
}
_VALUE_KEYS = (
    "valueQuantity",
    "valueCodeableConcept",
    "valueString",
    "valueBoolean",
    "valueInteger",
    "valueRange",
    "valueRatio",
    "valueSampledData",
    "valueTime",
    "valueDateTime",
    "valuePeriod",
    "valueAttachment",
)


def map_observation(ctx: Context) -> list[SourceEvent] | Skip:
    """The result events of one Observation, or why it is skipped."""
    observation = ctx.resource
    category = _category(observation, ctx)
    if isinstance(category, Skip):
        return category
    status = string(observation, "status") or ""
    if status not in RESULT_STATUS:
        raise MappingError("Observation.status: missing or not an R4 status")
    patient = referenced_patient(observation, "subject", ctx.document)
    occurred, recorded = _times(observation, ctx.document.report_of(observation))
    events = []
    for part, path, suffix, panel in _parts(observation, ctx):
        head = header(
            ctx,
            RecordType.RESULT,
            patient=patient,
            occurred_at=occurred,
            recorded_at=recorded,
            suffix=suffix,
        )
        payload = {
            "header": head,
            **_result_fields(part, path, ctx),
            "panel": panel,
            "status": RESULT_STATUS[status],
            "category": category,
        }
        events.append(SourceEvent(RecordType.RESULT, payload))
    return events


def _category(observation: Json, ctx: Context) -> str | Skip:
    """The schema category of an observation, or the kind it is skipped as."""
    categories = [c for concept in items(observation, "category") for c in codings(concept)]
    codes = {
        string(c, "code") for c in categories if string(c, "system") in (_CATEGORY_SYSTEM, None)
    }
    if _is_group(observation):
        return Skip("Observation(group)")
    known = [CATEGORIES[code] for code in CATEGORIES if code in codes]
    if known:
        return known[0]
    if categories:
        kind = sorted(str(code) for code in codes)[0] if codes else "other-category"
        return Skip(f"Observation({kind})")
    if _lab_by_context(observation, ctx):
        return "LABORATORY"
    return Skip("Observation(uncategorised)")


def _is_group(observation: Json) -> bool:
    has_value = any(key in observation for key in _VALUE_KEYS)
    return (
        bool(items(observation, "hasMember"))
        and not has_value
        and not items(observation, "component")
    )


def _lab_by_context(observation: Json, ctx: Context) -> bool:
    report = ctx.document.report_of(observation)
    if report is not None:
        sections = {
            string(c, "code") for concept in items(report, "category") for c in codings(concept)
        }
        loinc = any(string(c, "system") == LOINC_URI for c in codings(observation.get("code")))
        return bool(sections & LAB_SECTIONS) or loinc
    group = ctx.document.group_of(observation)
    return group is not None and _is_lab_group(group)


def _is_lab_group(group: Json) -> bool:
    return any(
        string(c, "code") == "laboratory"
        for concept in items(group, "category")
        for c in codings(concept)
    )


def _parts(observation: Json, ctx: Context) -> list[tuple[Json, str, str, dict[str, Any] | None]]:
    """``(part, path, suffix, panel)`` for each result the Observation yields."""
    container = ctx.document.report_of(observation) or ctx.document.group_of(observation)
    panel = optional_code(
        container.get("code") if container else None,
        "DiagnosticReport.code",
        prefer=RESULT_PREFERENCE,
    )
    components = items(observation, "component")
    parts = []
    if not components or any(key in observation for key in _VALUE_KEYS):
        parts.append((observation, "Observation", "", panel))
    own = optional_code(observation.get("code"), "Observation.code", prefer=RESULT_PREFERENCE)
    for index, component in enumerate(components):
        parts.append((component, f"Observation.component[{index}]", f"#component-{index}", own))
    return parts


def _result_fields(part: Json, path: str, ctx: Context) -> dict[str, Any]:
    observation = ctx.resource
    return {
        "code": code_from(part.get("code"), f"{path}.code", prefer=RESULT_PREFERENCE),
        **value_fields(part),
        **reference_fields(part),
        "abnormal_flag": abnormal_flag(part),
        "specimen": _specimen(observation, ctx),
        "issued_at": first_timestamp(
            (observation, "issued", "Observation.issued"),
            (ctx.document.report_of(observation), "issued", "DiagnosticReport.issued"),
        ),
        # Only an ODS code: a performing person is never named.
        "performer_org": ods_code(
            items(observation, "performer"), ctx.document, within=observation
        ),
    }


def _times(observation: Json, report: Json | None) -> tuple[datetime, datetime]:
    """The Observation's own times first, then its DiagnosticReport's (a panel's results
    often carry the time only on the report)."""
    meta = meta_of(observation)
    period = child(observation, "effectivePeriod")
    occurred = first_timestamp(
        (observation, "effectiveDateTime", "Observation.effectiveDateTime"),
        (period, "start", "Observation.effectivePeriod.start"),
        (observation, "effectiveInstant", "Observation.effectiveInstant"),
        (observation, "issued", "Observation.issued"),
        (report, "effectiveDateTime", "DiagnosticReport.effectiveDateTime"),
        (child(report, "effectivePeriod"), "start", "DiagnosticReport.effectivePeriod.start"),
        (report, "issued", "DiagnosticReport.issued"),
        (meta, "lastUpdated", "Observation.meta.lastUpdated"),
    )
    if occurred is None:
        raise MappingError("Observation.effective[x]: missing (and no issued or meta.lastUpdated)")
    recorded = first_timestamp(
        (meta, "lastUpdated", "Observation.meta.lastUpdated"),
        (observation, "issued", "Observation.issued"),
        (report, "issued", "DiagnosticReport.issued"),
    )
    return occurred, recorded or occurred


def _specimen(observation: Json, ctx: Context) -> str | None:
    report = ctx.document.report_of(observation)
    for reference in items(observation, "specimen") + items(report, "specimen"):
        target = ctx.document.resolve(reference, within=observation)
        kind = target.get("type") if target else None
        text = concept_text(kind if isinstance(kind, dict) else None) or string(
            reference, "display"
        )
        if text:
            return text
    return None
