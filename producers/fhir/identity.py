"""Who a resource is about: the local patient id, NHS number and its verification status.

- A Patient's local id is its logical ``id``; else its MR (medical record number) identifier;
  else the ``urn:uuid`` of its Bundle entry. Other identifiers (SSN, passport, driving
  licence) are never used as keys.
- The NHS number is the identifier with system ``https://fhir.nhs.uk/Id/nhs-number``. Its
  status comes from the UK Core NHSNumberVerificationStatus extension on that identifier
  (01 VERIFIED, 02 UNVERIFIED, 03 TRACE_REQUIRED, 04 TRACE_FAILED, 05 NEEDS_RESOLUTION,
  06 "trace in progress" and 08 "trace postponed" -> TRACE_REQUIRED; 07 "not present" with a
  number present -> UNVERIFIED, see ``schemas.nhs_number.STATUS_BY_PDS_CODE``); a number without
  a status is UNVERIFIED; no number is ABSENT.
- A number that fails Modulus 11 rejects the resource (clinical safety: a mistyped number
  must never link two people), and so does every resource about that Patient.
"""

from __future__ import annotations

from dataclasses import dataclass

from producers.fhir.document import Document, reference_parts
from producers.fhir.elements import Json, codings, extension, items, string
from producers.fhir.errors import MappingError
from schemas.nhs_number import STATUS_BY_PDS_CODE, check_digit, normalise

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
_STATUS_EXTENSIONS = (
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus",
    "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-NHSNumberVerificationStatus-1",
)
_MR_TYPE = ("http://terminology.hl7.org/CodeSystem/v2-0203", "MR")


@dataclass(frozen=True)
class PatientRef:
    """The patient part of an event header."""

    local_id: str
    nhs_number: str | None = None
    nhs_number_status: str = "ABSENT"


def patient_identity(patient: Json, *, full_url: str | None) -> PatientRef:
    """The header identity of a Patient resource; MappingError when it has no usable id or an
    invalid NHS number."""
    local_id = string(patient, "id") or _medical_record_number(patient) or _urn_uuid(full_url)
    if local_id is None:
        raise MappingError("Patient.id: missing (no id, MR identifier or urn:uuid fullUrl)")
    number, status = nhs_number_of(items(patient, "identifier"), "Patient.identifier")
    return PatientRef(local_id, number, status)


def referenced_patient(resource: Json, element: str, doc: Document) -> PatientRef:
    """The identity of the Patient that ``resource.<element>`` refers to."""
    path = f"{resource.get('resourceType')}.{element}"
    reference = resource.get(element)
    if not isinstance(reference, dict):
        raise MappingError(f"{path}: missing")
    target = doc.resolve(reference, within=resource)
    if target is not None:
        return _resolved(target, path, doc)
    literal = string(reference, "reference")
    if literal is not None:
        return _unresolved(literal, reference, path)
    return _by_identifier(reference, path)


def nhs_number_of(identifiers: list[Json], path: str) -> tuple[str | None, str]:
    """``(number, status)`` from a list of identifiers; MappingError when the number is invalid
    or two different numbers are present."""
    carriers = [i for i in identifiers if string(i, "system") == NHS_NUMBER_SYSTEM]
    numbers = {normalise(value) for i in carriers if (value := string(i, "value"))}
    if not numbers:
        return None, "ABSENT"
    if len(numbers) > 1:
        raise MappingError(f"{path}(nhs-number): more than one NHS number")
    number = numbers.pop()
    if len(number) != 10 or not number.isdigit():
        raise MappingError(f"{path}(nhs-number): must be 10 digits")
    if check_digit(number[:9]) != int(number[9]) or number == number[0] * 10:
        raise MappingError(f"{path}(nhs-number): fails the Modulus 11 check")
    carrier = next(i for i in carriers if string(i, "value"))
    return number, _status(carrier)


def _status(identifier: Json) -> str:
    for url in _STATUS_EXTENSIONS:
        ext = extension(identifier, url)
        for coding in codings(ext.get("valueCodeableConcept") if ext else None):
            # An unknown status code is treated as "not verified", never as verified.
            return STATUS_BY_PDS_CODE.get(string(coding, "code") or "", "UNVERIFIED")
    return "UNVERIFIED"


def _resolved(target: Json, path: str, doc: Document) -> PatientRef:
    kind = target.get("resourceType")
    if kind != "Patient":
        raise MappingError(f"{path}: refers to a {kind}, not a Patient")
    try:
        return patient_identity(target, full_url=doc.full_url_of(target))
    except MappingError as exc:
        raise MappingError(f"{path}: referenced {exc}") from exc


def _unresolved(literal: str, reference: Json, path: str) -> PatientRef:
    if literal.startswith(("urn:", "#")):
        raise MappingError(f"{path}: reference not found in the document")
    parts = reference_parts(literal)
    if parts is None:
        raise MappingError(f"{path}: not a literal Patient reference")
    kind, local_id = parts
    if kind != "Patient":
        raise MappingError(f"{path}: refers to a {kind}, not a Patient")
    number, status = _identifier_number(reference, path)
    return PatientRef(local_id, number, status)


def _by_identifier(reference: Json, path: str) -> PatientRef:
    identifier = reference.get("identifier")
    value = string(identifier if isinstance(identifier, dict) else None, "value")
    if value is None:
        raise MappingError(f"{path}: no reference or identifier")
    number, status = _identifier_number(reference, path)
    if number is not None:
        # The local id becomes the Kafka key and appears in logs: never an NHS number.
        raise MappingError(f"{path}: NHS number only; a local patient reference is needed")
    return PatientRef(value, number, status)


def _identifier_number(reference: Json, path: str) -> tuple[str | None, str]:
    return nhs_number_of(items(reference, "identifier"), f"{path}.identifier")


def _medical_record_number(patient: Json) -> str | None:
    for identifier in items(patient, "identifier"):
        type_codings = codings(identifier.get("type"))
        if any((string(c, "system"), string(c, "code")) == _MR_TYPE for c in type_codings):
            return string(identifier, "value")
    return None


def _urn_uuid(full_url: str | None) -> str | None:
    if full_url and full_url.startswith("urn:uuid:"):
        return full_url.removeprefix("urn:uuid:")
    return None
