"""PID-3 and PID-32 -> local patient id, NHS number and NHS number status."""

from __future__ import annotations

import pytest

from producers.hl7v2.errors import MappingError, NhsNumberError
from producers.hl7v2.identity import PatientIdentity, patient_identity
from producers.hl7v2.parser import parse_message

from .builders import BAD_CHECK_DIGIT, NHS_NUMBER, OTHER_NHS_NUMBER


def _identity(identifiers: str, status: str = "") -> PatientIdentity:
    pid_line = "PID|1||" + identifiers + "|" * 29 + status
    pid = parse_message(["MSH|^~\\&|A", pid_line]).segments[1]
    assert pid.get(32) == (status or None)
    return patient_identity(pid)


@pytest.mark.parametrize(
    ("identifiers", "local_id", "nhs_number"),
    [
        (f"RC91^^^RC971^MR~{NHS_NUMBER}^^^NHS^NH", "RC91", NHS_NUMBER),
        (f"{NHS_NUMBER}^^^NHS^NH~RC91^^^RC971^MR", "RC91", NHS_NUMBER),
        (f"A1^^^X^AN~P7^^^RC971^PI~{NHS_NUMBER}^^^^NH", "P7", NHS_NUMBER),
        (f"A1^^^X^AN~{NHS_NUMBER}^^^NHS", "A1", NHS_NUMBER),
        (f"A1~{NHS_NUMBER}^^^&2.16.840.1.113883.2.1.4.1&ISO", "A1", NHS_NUMBER),
        ("999 000 0018^^^NHS^NH~M5^^^RC971^MR", "M5", NHS_NUMBER),
        ("0000112234^^^100^A", "0000112234", None),
        ("~^^^X^MR~M9^^^Y^MR", "M9", None),
    ],
)
def test_local_id_and_nhs_number_from_pid3(
    identifiers: str, local_id: str, nhs_number: str | None
) -> None:
    """MR/PI preferred for the local id (else the first); NHS number by type NH or authority."""
    identity = _identity(identifiers)
    assert identity.local_patient_id == local_id
    assert identity.nhs_number == nhs_number


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("01", "VERIFIED"),
        ("1", "VERIFIED"),
        ("02", "UNVERIFIED"),
        ("03", "TRACE_REQUIRED"),
        ("04", "TRACE_FAILED"),
        ("05", "NEEDS_RESOLUTION"),
        ("06", "TRACE_REQUIRED"),
        ("07", "UNVERIFIED"),
        ("08", "TRACE_REQUIRED"),
        ("", "UNVERIFIED"),
        ("ZZ", "UNVERIFIED"),
    ],
)
def test_nhs_number_status_from_pid32(status: str, expected: str) -> None:
    """PID-32 is read as the PDS NHS Number Status Indicator; no evidence -> UNVERIFIED."""
    identity = _identity(f"RC91^^^RC971^MR~{NHS_NUMBER}^^^NHS^NH", status)
    assert identity.nhs_number_status == expected


@pytest.mark.parametrize("status", ["01", "03", ""])
def test_no_nhs_number_is_absent_whatever_pid32_says(status: str) -> None:
    """Without an NHS number in PID-3 the status is ABSENT."""
    identity = _identity("RC91^^^RC971^MR", status)
    assert (identity.nhs_number, identity.nhs_number_status) == (None, "ABSENT")


@pytest.mark.parametrize(
    ("identifiers", "reason"),
    [
        (f"RC91^^^RC971^MR~{BAD_CHECK_DIGIT}^^^NHS^NH", "NHS number fails the Modulus 11 check"),
        ("RC91^^^RC971^MR~99900000^^^NHS^NH", "NHS number must be 10 digits"),
        ("RC91^^^RC971^MR~9990000000^^^NHS^NH", "NHS number fails the Modulus 11 check"),
        (
            f"RC91^^^RC971^MR~{NHS_NUMBER}^^^NHS^NH~{OTHER_NHS_NUMBER}^^^NHS^NH",
            "two different NHS numbers",
        ),
    ],
)
def test_invalid_or_conflicting_nhs_numbers_are_refused(identifiers: str, reason: str) -> None:
    """Clinical safety: a bad NHS number refuses the message; the reason holds no digits of it."""
    with pytest.raises(NhsNumberError, match=f"^PID-3: {reason}$"):
        _identity(identifiers)


@pytest.mark.parametrize(
    ("identifiers", "reason"),
    [
        (f"{NHS_NUMBER}^^^NHS^NH", "only an NHS number, no local identifier"),
        ("", "no patient identifier"),
        ("^^^RC971^MR", "no patient identifier"),
    ],
)
def test_a_local_identifier_is_required(identifiers: str, reason: str) -> None:
    """The source key needs a local id, and must never be an NHS number."""
    with pytest.raises(MappingError, match=f"^PID-3: {reason}$"):
        _identity(identifiers)
