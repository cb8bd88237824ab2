"""Patient -> patient event (schema ``patient`` v2).

Chosen: one current name (official, then usual; a name without ``period.end`` before an
ended one), birth date, sex, one current address (home first, ``old`` never), one current
phone (home, then mobile), date of death, registered GP practice (ODS code), preferred
language, and Patient.link ``replaces`` as merged local ids.

Dropped on purpose: name text without parts (cannot be split safely), prefixes and suffixes,
other names, city/district/state/country (the postcode locates the address), email and other
telecoms (not in the schema), ``deceasedBoolean`` (the schema holds a time of death only),
partial birth dates (no invented day), contacts and next of kin (other people's data),
ethnicity, marital status, photo, and every extension except UK Core NHSCommunication.

A Patient carries no time of its own except ``meta.lastUpdated``; without it the document's
"as of" time is used (see :class:`producers.fhir.document.Document`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from producers.fhir.document import reference_parts
from producers.fhir.elements import Json, codings, extension, items, meta_of, string, strings
from producers.fhir.errors import MappingError
from producers.fhir.header import Context, header
from producers.fhir.identity import PatientRef, patient_identity
from producers.fhir.organisations import ods_code
from producers.fhir.times import date_at, timestamp_at
from schemas.events import RecordType, SourceEvent

_SEX = {"male": "MALE", "female": "FEMALE", "other": "OTHER", "unknown": "UNKNOWN"}
_NAME_USE = ("official", "usual", None, "temp", "nickname", "anonymous", "maiden", "old")
_ADDRESS_USE = ("home", None, "temp", "billing", "work")
_PHONE_USE = ("home", "mobile", None, "work", "temp")
_NHS_COMMUNICATION = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSCommunication"


def map_patient(ctx: Context) -> list[SourceEvent]:
    """One patient event for the Patient in ``ctx``."""
    patient = ctx.resource
    who = patient_identity(patient, full_url=ctx.entry.full_url)
    recorded = _record_time(ctx)
    payload = {
        "header": header(
            ctx, RecordType.PATIENT, patient=who, occurred_at=recorded, recorded_at=recorded
        ),
        **demographics(patient, ctx),
    }
    return [SourceEvent(RecordType.PATIENT, payload)]


def map_patient_deletion(ctx: Context, local_id: str) -> list[SourceEvent]:
    """A DELETE event for ``DELETE Patient/<id>`` sent without the resource."""
    recorded = ctx.document.as_of
    if recorded is None:
        raise MappingError("Bundle.entry.request: DELETE needs a Bundle timestamp or received_at")
    who = PatientRef(local_id)
    payload = {
        "header": header(
            ctx, RecordType.PATIENT, patient=who, occurred_at=recorded, recorded_at=recorded
        ),
        **demographics({}, ctx),
    }
    return [SourceEvent(RecordType.PATIENT, payload)]


def demographics(patient: Json, ctx: Context) -> dict[str, Any]:
    """The patient fields of the schema (everything but the header)."""
    name = _pick(items(patient, "name"), _NAME_USE, skip_uses=())
    address = _pick(items(patient, "address"), _ADDRESS_USE, skip_uses=("old",))
    return {
        "given_names": strings(name, "given"),
        "family_name": string(name, "family"),
        "birth_date": date_at(patient, "birthDate", "Patient.birthDate"),
        "sex": _SEX.get(string(patient, "gender") or "", "UNKNOWN"),
        "postcode": string(address, "postalCode"),
        "address_lines": strings(address, "line"),
        "phone": _phone(patient),
        "deceased_at": timestamp_at(patient, "deceasedDateTime", "Patient.deceasedDateTime"),
        "registered_gp_practice": ods_code(
            items(patient, "generalPractitioner"), ctx.document, within=patient
        ),
        "merged_local_patient_ids": _replaced_ids(patient),
        # FHIR has no "previous local id" (HL7 v2 A47); an id change arrives as a new Patient.
        "previous_local_patient_id": None,
        "preferred_language": _language(patient),
    }


def _record_time(ctx: Context) -> datetime:
    updated = timestamp_at(meta_of(ctx.resource), "lastUpdated", "Patient.meta.lastUpdated")
    recorded = updated or ctx.document.as_of
    if recorded is None:
        raise MappingError(
            "Patient.meta.lastUpdated: missing, and the document has no time (give received_at)"
        )
    return recorded


def _pick(
    candidates: list[Json], uses: tuple[str | None, ...], *, skip_uses: tuple[str, ...]
) -> Json | None:
    """The best current element by ``use``: not ended first, then by the order of ``uses``."""
    usable = [c for c in candidates if c.get("use") not in skip_uses]

    def rank(element: Json) -> tuple[int, int]:
        use = element.get("use")
        return (0 if _is_current(element) else 1, uses.index(use) if use in uses else len(uses))

    return min(usable, key=rank) if usable else None


def _is_current(element: Json) -> bool:
    period = element.get("period")
    return not (isinstance(period, dict) and string(period, "end"))


def _phone(patient: Json) -> str | None:
    phones = [t for t in items(patient, "telecom") if t.get("system") == "phone"]
    return string(_pick(phones, _PHONE_USE, skip_uses=("old",)), "value")


def _replaced_ids(patient: Json) -> list[str]:
    merged: list[str] = []
    for link in items(patient, "link"):
        literal = string(link.get("other"), "reference") if link.get("type") == "replaces" else None
        parts = reference_parts(literal) if literal else None
        # Links we cannot turn into a local Patient id (RelatedPerson, urn) are dropped.
        if parts and parts[0] == "Patient":
            merged.append(parts[1])
    return merged


def _language(patient: Json) -> str | None:
    communications = items(patient, "communication")
    preferred = [c for c in communications if c.get("preferred") is True] + communications
    for communication in preferred:
        if code := _language_code(communication.get("language")):
            return code
    nhs = extension(patient, _NHS_COMMUNICATION)
    language = extension(nhs, "language")
    return _language_code(language.get("valueCodeableConcept") if language else None)


def _language_code(concept: Any) -> str | None:
    found = codings(concept if isinstance(concept, dict) else None)
    bcp47 = [c for c in found if string(c, "system") == "urn:ietf:bcp:47"]
    chosen = bcp47 or found
    return string(chosen[0], "code") if chosen else None
