"""Who a message is about: local patient id, NHS number and its status, from PID.

Rules (each a clinical-safety decision):

- **NHS number**: a PID-3 repetition whose identifier type (CX-5) is ``NH`` or whose
  assigning authority (CX-4) is ``NHS`` or the NHS number OID. It must pass the Modulus 11
  check (``schemas.nhs_number``); an invalid one, or two different ones, rejects the whole
  message: a wrong NHS number links one patient's record to another person.
- **Local patient id**: among the other PID-3 repetitions, the first of type ``MR`` (medical
  record number) or ``PI`` (patient internal id), else the first one. A PID-3 that holds only
  an NHS number is rejected: the source key ``<org>:<local id>`` must not be an NHS number,
  because keys are logged and NHS numbers must never be.
- **NHS number status**: with no NHS number, ``ABSENT``. With one, PID-32 (identity
  reliability code) read as the PDS NHS Number Status Indicator used by NHS England HL7 v2
  feeds: 01 VERIFIED, 02 UNVERIFIED, 03/06/08 TRACE_REQUIRED (trace required, in progress or
  postponed), 04 TRACE_FAILED, 05 NEEDS_RESOLUTION. Anything else, including no PID-32 or 07
  ("not present") beside a number, gives UNVERIFIED: we never claim VERIFIED without evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from producers.hl7v2.errors import MappingError, NhsNumberError
from producers.hl7v2.message import Repetition, Segment
from schemas import nhs_number

_NHS_AUTHORITIES = frozenset({"NHS", "2.16.840.1.113883.2.1.4.1"})
_LOCAL_TYPES = ("MR", "PI")


@dataclass(frozen=True)
class PatientIdentity:
    """The identity fields of an event header, read from one PID segment."""

    local_patient_id: str
    nhs_number: str | None
    nhs_number_status: str


def is_nhs_identifier(rep: Repetition) -> bool:
    """True when a CX identifier is an NHS number (type NH, or authority NHS / its OID)."""
    kind = (rep.get(5) or "").upper()
    authorities = {(rep.get(4, 1) or "").upper(), rep.get(4, 2) or ""}
    return kind == "NH" or bool(authorities & _NHS_AUTHORITIES)


def patient_identity(pid: Segment) -> PatientIdentity:
    """Identity of the patient in ``pid``; raises MappingError / NhsNumberError (PID-3)."""
    identifiers = [rep for rep in pid.repetitions(3) if rep.get(1)]
    number = _nhs_number([rep for rep in identifiers if is_nhs_identifier(rep)])
    local = local_identifier([rep for rep in identifiers if not is_nhs_identifier(rep)])
    if local is None:
        rule = "only an NHS number, no local identifier" if number else "no patient identifier"
        raise MappingError("PID-3", rule)
    status = _status(pid.get(32)) if number else "ABSENT"
    return PatientIdentity(local_patient_id=local, nhs_number=number, nhs_number_status=status)


def local_identifier(identifiers: list[Repetition]) -> str | None:
    """CX-1 of the first MR/PI identifier, else of the first identifier, else None."""
    for rep in identifiers:
        if (rep.get(5) or "").upper() in _LOCAL_TYPES:
            return rep.get(1)
    return identifiers[0].get(1) if identifiers else None


def _nhs_number(candidates: list[Repetition]) -> str | None:
    numbers: set[str] = set()
    for rep in candidates:
        try:
            numbers.add(nhs_number.parse(rep.get(1) or ""))
        except ValueError as exc:
            raise NhsNumberError("PID-3", _rule_broken(str(exc))) from exc
    if len(numbers) > 1:
        raise NhsNumberError("PID-3", "two different NHS numbers")
    return numbers.pop() if numbers else None


def _rule_broken(message: str) -> str:
    """``nhs_number: fails the Modulus 11 check`` -> ``NHS number fails the Modulus 11 check``."""
    return "NHS number " + message.split(": ", 1)[-1]


def _status(code: str | None) -> str:
    if code is None:
        return "UNVERIFIED"
    return nhs_number.STATUS_BY_PDS_CODE.get(code.zfill(2), "UNVERIFIED")
