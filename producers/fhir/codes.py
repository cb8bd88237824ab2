"""Coded concepts: FHIR CodeableConcept -> the schema's ``Code`` record.

The schema's ``CodeSystem`` enum names the terminologies the record understands; every other
FHIR system becomes ``LOCAL`` and only the code survives (the schema has no field for the
system URI, so a LOCAL code is only meaningful next to the org that sent it).

When a concept carries several codings we keep one, by a preference order per context:
results prefer LOINC then SNOMED; medicines prefer dm+d; reasons prefer SNOMED then ICD-10.
The others are dropped: the record keeps one code per item, by design of the schema.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from producers.fhir.elements import Json, codings, string
from producers.fhir.errors import MappingError


class CodeSystem(StrEnum):
    """Symbols of the schema's ``uk.mcr.CodeSystem`` enum."""

    SNOMED = "SNOMED"
    LOINC = "LOINC"
    DMD = "DMD"
    ICD10 = "ICD10"
    READ = "READ"
    OPCS4 = "OPCS4"
    LOCAL = "LOCAL"


SNOMED_URI = "http://snomed.info/sct"
LOINC_URI = "http://loinc.org"
DMD_URI = "https://dmd.nhs.uk"

_SYSTEMS: dict[str, CodeSystem] = {
    SNOMED_URI: CodeSystem.SNOMED,
    LOINC_URI: CodeSystem.LOINC,
    DMD_URI: CodeSystem.DMD,
    "http://hl7.org/fhir/sid/icd-10": CodeSystem.ICD10,
    "http://hl7.org/fhir/sid/icd-10-uk": CodeSystem.ICD10,
    "http://read.info/readv2": CodeSystem.READ,
    "http://read.info/ctv3": CodeSystem.READ,
    "http://www.datadictionary.nhs.uk/opcs-4": CodeSystem.OPCS4,
}

RESULT_PREFERENCE = (CodeSystem.LOINC, CodeSystem.SNOMED)
MEDICINE_PREFERENCE = (CodeSystem.DMD,)
REASON_PREFERENCE = (CodeSystem.SNOMED, CodeSystem.ICD10, CodeSystem.READ)


def system_of(uri: str | None, *, medicine: bool = False) -> CodeSystem:
    """The schema code system for a FHIR system URI (unknown or missing -> LOCAL).

    For medicines, SNOMED CT codes are dm+d codes: in England the dm+d is the SNOMED CT UK
    drug extension and shares its identifiers, so both URIs map to DMD.
    """
    system = _SYSTEMS.get((uri or "").rstrip("/"), CodeSystem.LOCAL)
    if medicine and system is CodeSystem.SNOMED:
        return CodeSystem.DMD
    return system


def code_from(
    concept: Json | None,
    path: str,
    *,
    prefer: tuple[CodeSystem, ...],
    medicine: bool = False,
) -> dict[str, Any]:
    """The preferred coding of ``concept`` as a schema ``Code``; MappingError when the concept
    is missing or has no coding with a code (free text alone is not a code)."""
    if not concept:
        raise MappingError(f"{path}: missing")
    found = codings(concept)
    if not found:
        raise MappingError(f"{path}: no coding")
    ranked = sorted(found, key=lambda c: _rank(c, prefer, medicine=medicine))
    chosen = ranked[0]
    return {
        "system": system_of(string(chosen, "system"), medicine=medicine).value,
        "code": string(chosen, "code"),
        "display": string(chosen, "display") or string(concept, "text"),
    }


def optional_code(
    concept: Json | None, path: str, *, prefer: tuple[CodeSystem, ...]
) -> dict[str, Any] | None:
    """Like :func:`code_from`, but None when the concept is absent or uncoded (an optional
    element: text alone cannot fill a Code, and we do not reject a resource for it)."""
    if not concept or not codings(concept):
        return None
    return code_from(concept, path, prefer=prefer)


def _rank(coding: Json, prefer: tuple[CodeSystem, ...], *, medicine: bool) -> tuple[int, int]:
    system = system_of(string(coding, "system"), medicine=medicine)
    position = prefer.index(system) if system in prefer else len(prefer)
    # A coding the user picked (userSelected) wins among equals.
    return position, 0 if coding.get("userSelected") is True else 1
