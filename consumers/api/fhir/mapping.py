"""The record as FHIR R4 resources. Pure: the shapes the record routes already serve
(``access.record_body``: demographics and items after consent at read and authorisation) in,
FHIR R4 JSON out.

One mapper per resource type, registered in :data:`RESOURCES` with the record type it reads:
a new record type (Condition, AllergyIntolerance, ...) is one mapper and one entry. Fields are
picked by name, as in ``access.py``: a field the record gains is not served until it is mapped.

Ids: a Patient's id is the person id (the identity stage's; only letters, digits, ``-`` and
``.`` make a FHIR id, which the person ids issued so far are). An item's id is
``<ODS code>.<source record id>`` with every character of the source record id other than a
letter, a digit or ``-`` written as ``.XX`` (its UTF-8 bytes in hex): reversible
(:func:`item_doc_id`), stable across replays, and the same whoever holds the item after a merge.
Every resource names its source organisation in ``meta.source`` (the ODS code system and code)
and in its organisation reference (with the registry's name when known).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from consumers.api.fhir.search import TokenParam
from projections.record.ids import item_id

__all__ = [
    "NHS_NUMBER_SYSTEM",
    "ODS_SYSTEM",
    "RESOURCES",
    "OrgNames",
    "ResourceKind",
    "allergy_intolerance",
    "binary",
    "binary_url",
    "condition",
    "document_reference",
    "encounter",
    "fhir_item_id",
    "immunization",
    "item_doc_id",
    "medication_statement",
    "observation",
    "patient",
    "procedure",
]

Json = dict[str, Any]
OrgNames = Mapping[str, str]
"""ODS code -> organisation name (from the registry; empty when it cannot be read)."""

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
_UCUM = "http://unitsofmeasure.org"
_CODE_SYSTEMS = {
    "SNOMED": "http://snomed.info/sct",
    "LOINC": "http://loinc.org",
    "DMD": "https://dmd.nhs.uk",
    "ICD10": "http://hl7.org/fhir/sid/icd-10",
    "READ": "http://read.info/readv2",
    "OPCS4": "http://www.datadictionary.nhs.uk/opcs-4",
}  # LOCAL codes carry no system: only their organisation knows them
_CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
_OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_NULL_FLAVOR = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor"
_CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
_ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
_ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_KEPT = re.compile(r"[A-Za-z0-9-]")

_GENDER = {"MALE": "male", "FEMALE": "female", "OTHER": "other", "UNKNOWN": "unknown"}
_RESULT_STATUS = {"PRELIMINARY": "preliminary", "FINAL": "final", "AMENDED": "amended",
                  "CANCELLED": "cancelled"}  # fmt: skip
_INTERPRETATIONS = {"NORMAL": "N", "LOW": "L", "HIGH": "H", "CRITICAL_LOW": "LL",
                    "CRITICAL_HIGH": "HH", "ABNORMAL": "A"}  # fmt: skip
# A cancelled prescription may or may not have been taken: "stopped" claims no more than that.
_MEDICATION_STATUS = {
    "ACTIVE": "active", "COMPLETED": "completed", "STOPPED": "stopped", "ON_HOLD": "on-hold",
    "CANCELLED": "stopped", "UNKNOWN": "unknown",
}  # fmt: skip
_ENCOUNTER_STATUS = {
    "PLANNED": "planned", "ARRIVED": "arrived", "IN_PROGRESS": "in-progress",
    "FINISHED": "finished", "CANCELLED": "cancelled", "UNKNOWN": "unknown",
}  # fmt: skip
_ENCOUNTER_CLASS = {"INPATIENT": ("IMP", "inpatient encounter"),
                    "OUTPATIENT": ("AMB", "ambulatory"), "AMBULATORY": ("AMB", "ambulatory"),
                    "EMERGENCY": ("EMER", "emergency"), "HOME": ("HH", "home health"),
                    "VIRTUAL": ("VR", "virtual"), "COMMUNITY": ("FLD", "field")}  # fmt: skip


def fhir_item_id(org: str, source_record_id: str) -> str:
    """The FHIR id of the item ``source_record_id`` of ``org`` (see the module docstring)."""
    escaped = "".join(
        ch if _KEPT.fullmatch(ch) else "".join(f".{b:02X}" for b in ch.encode("utf-8"))
        for ch in source_record_id
    )
    return f"{org}.{escaped}"


def item_doc_id(record_type: str, fhir_id: str) -> str | None:
    """The document id of the item whose FHIR id is ``fhir_id`` (None when it is not one)."""
    if not _FHIR_ID.fullmatch(fhir_id) or "." not in fhir_id:
        return None
    org, escaped = fhir_id.split(".", 1)
    raw = bytearray()
    at = 0
    while at < len(escaped):
        if escaped[at] == ".":
            pair = escaped[at + 1 : at + 3]
            if not re.fullmatch(r"[0-9A-F]{2}", pair):
                return None
            raw.append(int(pair, 16))
            at += 3
        else:
            raw += escaped[at].encode("ascii")
            at += 1
    try:
        source_record_id = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not org or not source_record_id:
        return None
    return item_id(record_type=record_type, org=org, source_record_id=source_record_id)


def _org_reference(code: str | None, names: OrgNames) -> Json | None:
    if not code:
        return None
    ref: Json = {"identifier": {"system": ODS_SYSTEM, "value": code}}
    if code in names:
        ref["display"] = names[code]
    return ref


def _meta(org: str | None, labels: Any) -> Json:
    meta: Json = {"source": f"{ODS_SYSTEM}|{org}"} if org else {}
    security = [{"system": _CONFIDENTIALITY, "code": label} for label in labels or ()]
    if security:
        meta["security"] = security
    return meta


def _codeable(code: Mapping[str, Any] | None) -> Json | None:
    if not code:
        return None
    coding: Json = {"code": code["code"]}
    system = _CODE_SYSTEMS.get(str(code.get("system")))
    if system:
        coding["system"] = system
    if code.get("display"):
        coding["display"] = code["display"]
    concept: Json = {"coding": [coding]}
    if code.get("display"):
        concept["text"] = code["display"]
    return concept


def _compact(resource: Json) -> Json:
    """``resource`` without empty values (FHIR forbids nulls, empty strings and lists)."""
    return {k: v for k, v in resource.items() if v not in (None, "", [], {})}


def _subject(person_id: str) -> Json:
    return {"reference": f"Patient/{person_id}"}


def _base(kind: str, item: Mapping[str, Any]) -> Json:
    return {
        "resourceType": kind,
        "id": fhir_item_id(str(item["org"]), str(item["source_record_id"])),
        "meta": _meta(str(item["org"]), item.get("confidentiality")),
    }


def _quantity(value: Any, unit: Any) -> Json:
    quantity: Json = {"value": value}
    if unit:
        quantity.update(unit=unit, system=_UCUM, code=unit)
    return quantity


def _reference_range(result: Mapping[str, Any]) -> list[Json]:
    low, high, text = result.get("reference_low"), result.get("reference_high"), None
    text = result.get("reference_text")
    if low is None and high is None and not text:
        return []
    found: Json = {"text": text}
    if low is not None:
        found["low"] = _quantity(low, result.get("unit"))
    if high is not None:
        found["high"] = _quantity(high, result.get("unit"))
    return [_compact(found)]


#: The schema's result categories as R4 observation-category codes (a result without one is a
#: laboratory result: the record held only those before result v2).
_OBSERVATION_CATEGORIES = {
    "LABORATORY": ("laboratory", "Laboratory"), "VITAL_SIGNS": ("vital-signs", "Vital Signs"),
    "SOCIAL_HISTORY": ("social-history", "Social History"), "SURVEY": ("survey", "Survey"),
    "EXAM": ("exam", "Exam"), "IMAGING": ("imaging", "Imaging"),
    "PROCEDURE": ("procedure", "Procedure"), "THERAPY": ("therapy", "Therapy"),
    "ACTIVITY": ("activity", "Activity"),
}  # fmt: skip


def _observation_category(value: Any) -> list[Json]:
    """The category element; an OTHER category (or one this reader does not know) is left out
    rather than guessed."""
    found = _OBSERVATION_CATEGORIES.get(str(value or "LABORATORY"))
    if found is None:
        return []
    code, display = found
    return [{"coding": [{"system": _OBSERVATION_CATEGORY, "code": code, "display": display}]}]


def observation(item: Mapping[str, Any], person_id: str, names: OrgNames) -> Json:
    """A result as an Observation of its category: a laboratory result, a vital sign, a
    survey answer, ..."""
    result = item.get("result") or {}
    flag = _INTERPRETATIONS.get(str(result.get("abnormal_flag")))
    performer = _org_reference(result.get("performer_org") or item.get("org"), names)
    resource = {
        **_base("Observation", item),
        "status": _RESULT_STATUS.get(str(result.get("status")), "unknown"),
        "category": _observation_category(result.get("category")),
        "code": _codeable(result.get("code")) or {"text": "unknown test"},
        "subject": _subject(person_id),
        "effectiveDateTime": item.get("occurred_at"),
        "issued": result.get("issued_at"),
        "performer": [performer] if performer else [],
        "interpretation": [{"coding": [{"system": _INTERPRETATION, "code": flag}]}] if flag else [],
        "referenceRange": _reference_range(result),
        "specimen": {"display": result["specimen"]} if result.get("specimen") else None,
    }
    if result.get("value_quantity") is not None:
        resource["valueQuantity"] = _quantity(result["value_quantity"], result.get("unit"))
    elif result.get("value_text"):
        resource["valueString"] = result["value_text"]
    return _compact(resource)


def _dosage(medication: Mapping[str, Any]) -> list[Json]:
    dosage = _compact({
        "text": medication.get("dose_text"),
        "route": {"text": medication["route"]} if medication.get("route") else None,
        "timing": {"code": {"text": medication["frequency"]}}
        if medication.get("frequency") else None,
        "doseAndRate": [{"doseQuantity": _quantity(medication["dose_quantity"],
                                                   medication.get("dose_unit"))}]
        if medication.get("dose_quantity") is not None else None,
    })  # fmt: skip
    return [dosage] if dosage else []


def medication_statement(item: Mapping[str, Any], person_id: str, names: OrgNames) -> Json:
    """A medicine as a MedicationStatement (the record lists what a person takes or took,
    from requests, statements and dispensings alike)."""
    medication = item.get("medication") or {}
    period = _compact({"start": medication.get("start_date"), "end": medication.get("end_date")})
    return _compact({
        **_base("MedicationStatement", item),
        "status": _MEDICATION_STATUS.get(str(medication.get("status")), "unknown"),
        "medicationCodeableConcept": _codeable(medication.get("medication"))
        or {"text": "unknown medicine"},
        "subject": _subject(person_id),
        "effectivePeriod": period or None,
        "dateAsserted": item.get("recorded_at"),
        "informationSource": _org_reference(item.get("org"), names),
        "dosage": _dosage(medication),
    })  # fmt: skip


def _encounter_class(value: Any) -> Json:
    code, display = _ENCOUNTER_CLASS.get(str(value), ("OTH", "other"))
    system = _NULL_FLAVOR if code == "OTH" else _ACT_CODE
    return {"system": system, "code": code, "display": display}


def encounter(item: Mapping[str, Any], person_id: str, names: OrgNames) -> Json:
    """An encounter as an Encounter."""
    found = item.get("encounter") or {}
    period = _compact({"start": found.get("period_start"), "end": found.get("period_end")})
    reason = _codeable(found.get("reason"))
    location = found.get("location")
    return _compact({
        **_base("Encounter", item),
        "status": _ENCOUNTER_STATUS.get(str(found.get("status")), "unknown"),
        "class": _encounter_class(found.get("encounter_class")),
        "serviceType": {"text": found["service"]} if found.get("service") else None,
        "subject": _subject(person_id),
        "period": period or None,
        "reasonCode": [reason] if reason else [],
        "location": [{"location": {"display": location}}] if location else [],
        "serviceProvider": _org_reference(item.get("org"), names),
    })  # fmt: skip


_CATEGORY_CODES = {"PROBLEM": ("problem-list-item", "Problem List Item"),
                   "DIAGNOSIS": ("encounter-diagnosis", "Encounter Diagnosis")}  # fmt: skip
#: Clinical statuses under which a Condition may carry an abatement (invariant con-4).
_ABATED = frozenset({"inactive", "resolved", "remission"})


def _status_concept(system: str, value: Any) -> Json | None:
    if not value or value == "UNKNOWN":
        return None
    return {"coding": [{"system": system, "code": str(value).lower()}]}


def condition(item: Mapping[str, Any], person_id: str, names: OrgNames) -> Json:
    """A problem or diagnosis as a Condition. An unknown clinical status is left out, and so
    is then a problem-list category (invariant con-3 wants a status on a problem-list item);
    an abatement is served only under an inactive, resolved or remission status (con-4). The
    recording organisation is ``meta.source`` (a Condition's asserter cannot be one)."""
    del names  # the organisation is named in meta.source only
    found = item.get("condition") or {}
    clinical = _status_concept(_CONDITION_CLINICAL, found.get("clinical_status"))
    category = _CATEGORY_CODES.get(str(found.get("category")))
    if clinical is None and found.get("category") == "PROBLEM":
        category = None
    abated = clinical is not None and clinical["coding"][0]["code"] in _ABATED
    return _compact({
        **_base("Condition", item),
        "clinicalStatus": clinical,
        "verificationStatus": _status_concept(
            _CONDITION_VERIFICATION, found.get("verification_status")),
        "category": [{"coding": [{"system": _CONDITION_CATEGORY, "code": category[0],
                                  "display": category[1]}]}] if category else [],
        "severity": {"text": found["severity"]} if found.get("severity") else None,
        "code": _codeable(found.get("code")) or {"text": "unknown problem"},
        "subject": _subject(person_id),
        "onsetDateTime": found.get("onset_date") or item.get("occurred_at"),
        "abatementDateTime": found.get("abatement_date") if abated else None,
        "recordedDate": item.get("recorded_at"),
    })  # fmt: skip


def _reaction(allergy: Mapping[str, Any]) -> list[Json]:
    manifestations = [c for code in allergy.get("reactions") or () if (c := _codeable(code))]
    severity = allergy.get("reaction_severity")
    if not manifestations:  # a reaction needs at least one manifestation
        return []
    return [_compact({"manifestation": manifestations,
                      "severity": str(severity).lower() if severity else None})]  # fmt: skip


def allergy_intolerance(item: Mapping[str, Any], person_id: str, names: OrgNames) -> Json:
    """An allergy or intolerance as an AllergyIntolerance. An unknown clinical status is
    served as ``active``: R4 requires a status (invariant ait-1) and has no "unknown", and an
    allergy of unknown status is safest treated as current. Unknown type and criticality are
    left out; the recording organisation is ``meta.source``."""
    del names  # the organisation is named in meta.source only
    found = item.get("allergy") or {}
    clinical = found.get("clinical_status")
    criticality = found.get("criticality")
    return _compact({
        **_base("AllergyIntolerance", item),
        "clinicalStatus": _status_concept(
            _ALLERGY_CLINICAL, "ACTIVE" if clinical in (None, "UNKNOWN") else clinical),
        "verificationStatus": _status_concept(
            _ALLERGY_VERIFICATION, found.get("verification_status")),
        "type": str(found["allergy_type"]).lower()
        if found.get("allergy_type") in ("ALLERGY", "INTOLERANCE") else None,
        "category": [str(c).lower() for c in found.get("categories") or ()],
        "criticality": str(criticality).lower().replace("_", "-")
        if criticality and criticality != "UNKNOWN" else None,
        "code": _codeable(found.get("code")) or {"text": "unknown substance"},
        "patient": _subject(person_id),
        "onsetDateTime": found.get("onset_date"),
        "recordedDate": item.get("recorded_at"),
        "reaction": _reaction(found),
    })  # fmt: skip


_IMMUNIZATION_STATUS = {"COMPLETED": "completed", "NOT_DONE": "not-done"}


def immunization(item: Mapping[str, Any], person_id: str, names: OrgNames) -> Json:
    """An immunisation as an Immunization: the vaccine, when it was given (the occurrence
    date, else ``occurred_at``), lot, site, route, the dose number and the performing
    organisation (with the registry's name when known)."""
    found = item.get("immunisation") or {}
    performer = _org_reference(found.get("performer_org"), names)
    dose = found.get("dose_number")
    return _compact({
        **_base("Immunization", item),
        "status": _IMMUNIZATION_STATUS.get(str(found.get("status")), "completed"),
        "vaccineCode": _codeable(found.get("vaccine")) or {"text": "unknown vaccine"},
        "patient": _subject(person_id),
        "occurrenceDateTime": found.get("occurrence_date") or item.get("occurred_at"),
        "recorded": item.get("recorded_at"),
        "primarySource": found.get("primary_source"),
        "lotNumber": found.get("lot_number"),
        "site": {"text": found["site"]} if found.get("site") else None,
        "route": {"text": found["route"]} if found.get("route") else None,
        "performer": [{"actor": performer}] if performer else [],
        "protocolApplied": [{"doseNumberPositiveInt": dose}] if dose else [],
    })  # fmt: skip


_PROCEDURE_STATUS = {
    "PREPARATION": "preparation", "IN_PROGRESS": "in-progress", "NOT_DONE": "not-done",
    "ON_HOLD": "on-hold", "STOPPED": "stopped", "COMPLETED": "completed", "UNKNOWN": "unknown",
}  # fmt: skip


def procedure(item: Mapping[str, Any], person_id: str, names: OrgNames) -> Json:
    """A procedure as a Procedure: the code, when it was done (``performedPeriod``, or
    ``performedDateTime`` when only a start is known), body site and outcome as text, the
    reasons and the performing organisation (with the registry's name when known)."""
    found = item.get("procedure") or {}
    start, end = found.get("performed_start"), found.get("performed_end")
    performer = _org_reference(found.get("performer_org"), names)
    return _compact({
        **_base("Procedure", item),
        "status": _PROCEDURE_STATUS.get(str(found.get("status")), "unknown"),
        "code": _codeable(found.get("code")) or {"text": "unknown procedure"},
        "subject": _subject(person_id),
        "performedPeriod": {"start": start, "end": end} if start and end else None,
        "performedDateTime": start if start and not end else None,
        "performer": [{"actor": performer}] if performer else [],
        "reasonCode": [c for code in found.get("reasons") or () if (c := _codeable(code))],
        "bodySite": [{"text": found["body_site"]}] if found.get("body_site") else [],
        "outcome": {"text": found["outcome"]} if found.get("outcome") else None,
    })  # fmt: skip


_DOCUMENT_STATUS = {"CURRENT": "current", "SUPERSEDED": "superseded"}


def document_reference(item: Mapping[str, Any], person_id: str, names: OrgNames) -> Json:
    """A clinical document as a DocumentReference: its type, date, description, the authoring
    organisation (with the registry's name when known) and one attachment's metadata (content
    type, size, title) with its ``url``: where the source keeps it (https, never fetched), or,
    when it is attached, the relative URL of its ``Binary`` (read apart: a page never carries
    the bytes; R4 Attachment.url may be a relative reference)."""
    found = item.get("document") or {}
    author = _org_reference(found.get("author_org"), names)
    attached = found.get("url") is None
    attachment = _compact({
        "contentType": found.get("content_type"),
        "url": binary_url(item) if attached else found.get("url"),
        "size": found.get("size"),
        "title": found.get("title"),
    })  # fmt: skip
    return _compact({
        **_base("DocumentReference", item),
        "status": _DOCUMENT_STATUS.get(str(found.get("status")), "current"),
        "type": _codeable(found.get("type")) or {"text": "unknown document type"},
        "subject": _subject(person_id),
        "date": found.get("date") or item.get("occurred_at"),
        "author": [author] if author else [],
        "description": found.get("description"),
        "content": [{"attachment": attachment}],
    })  # fmt: skip


def binary_url(item: Mapping[str, Any]) -> str:
    """``Binary/<id>``: the bytes of an attached document, under the DocumentReference's id."""
    return f"Binary/{fhir_item_id(str(item['org']), str(item['source_record_id']))}"


def binary(document_id: str, content_type: str, data: bytes) -> Json:
    """An attached document as a Binary resource (for a client that asks for FHIR JSON)."""
    return {
        "resourceType": "Binary",
        "id": document_id,
        "contentType": content_type,
        "data": base64.b64encode(data).decode("ascii"),
    }


def patient(person_id: str, demographics: list[Mapping[str, Any]], names: OrgNames) -> Json:
    """The person as one Patient: the newest demographics (``demographics`` is newest first,
    as the record serves it), with every organisation's NHS number once. Contact details the
    record hides (``None``) are left out."""
    newest = demographics[0]
    numbers = dict.fromkeys(d["nhs_number"] for d in demographics if d.get("nhs_number"))
    given = [name for name in newest.get("given_names") or () if name]
    name = _compact({"use": "official", "family": newest.get("family_name"), "given": given})
    address = _compact({"line": list(newest.get("address_lines") or ()),
                        "postalCode": newest.get("postcode")})  # fmt: skip
    language = newest.get("preferred_language")
    return _compact({
        "resourceType": "Patient",
        "id": person_id,
        "meta": _meta(newest.get("org"), newest.get("confidentiality")),
        "identifier": [{"system": NHS_NUMBER_SYSTEM, "value": n} for n in numbers],
        "name": [name] if len(name) > 1 else [],
        "telecom": [{"system": "phone", "value": newest["phone"]}] if newest.get("phone") else [],
        "gender": _GENDER.get(str(newest.get("sex")), "unknown"),
        "birthDate": newest.get("birth_date"),
        "deceasedDateTime": newest.get("deceased_at"),
        "address": [address] if address else [],
        "generalPractitioner": [ref] if (ref := _org_reference(
            newest.get("registered_gp_practice"), names)) else [],
        "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47",
                                                    "code": language}]}}] if language else [],
        "managingOrganization": _org_reference(newest.get("org"), names),
    })  # fmt: skip


ItemMapper = Callable[[Mapping[str, Any], str, OrgNames], Json]


@dataclass(frozen=True)
class ResourceKind:
    """A FHIR resource type served from one record type: its mapper and its date parameter."""

    resource_type: str
    record_type: str
    section: str
    """The record body's section of the record type (``results``...)."""
    date_param: str
    map: ItemMapper
    category: TokenParam | None = None
    """Its ``category`` search parameter, when it has one."""


def _category_param(system: str, field: str, codes: Mapping[str, tuple[str, str]],
                    missing_means: str | None = None) -> TokenParam:  # fmt: skip
    by_code = {code: stored for stored, (code, _display) in codes.items()}
    return TokenParam("category", system, field, by_code, missing_means)


#: Every item resource type served, by FHIR name. A new record type is one entry here.
RESOURCES: Mapping[str, ResourceKind] = {
    kind.resource_type: kind
    for kind in (
        ResourceKind(
            "Observation",
            "result",
            "results",
            "date",
            observation,
            _category_param(
                _OBSERVATION_CATEGORY,
                "result.category",
                _OBSERVATION_CATEGORIES,
                missing_means="LABORATORY",
            ),
        ),
        ResourceKind(
            "MedicationStatement", "medication", "medications", "effective", medication_statement
        ),
        ResourceKind("Encounter", "encounter", "encounters", "date", encounter),
        ResourceKind(
            "Condition",
            "condition",
            "problems",
            "onset-date",
            condition,
            _category_param(_CONDITION_CATEGORY, "condition.category", _CATEGORY_CODES),
        ),
        ResourceKind("AllergyIntolerance", "allergy", "allergies", "date", allergy_intolerance),
        ResourceKind("Immunization", "immunisation", "immunisations", "date", immunization),
        ResourceKind("Procedure", "procedure", "procedures", "date", procedure),
        ResourceKind("DocumentReference", "document", "documents", "date", document_reference),
    )
}
