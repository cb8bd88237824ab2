"""Normalising names, postcodes and addresses, and spotting placeholder identities."""

from __future__ import annotations

from datetime import date

import pytest

from streams.identity.normalise import (
    address,
    is_placeholder,
    is_test_identity,
    name,
    postcode,
    profile,
)
from tests.unit.streams.identity.people import ANNA, record


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" o'Brien-Smith ", "OBRIEN SMITH"),
        ("Zoë", "ZOE"),
        ("Mrs Jane", "JANE"),
        ("  ", None),
        (None, None),
        ("Dr.", None),
    ],
)
def test_name(raw: str | None, expected: str | None) -> None:
    """Names are upper-cased, de-accented, punctuation-free and title-free."""
    assert name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("lu1 2ab", "LU12AB"),
        ("MK9  3PU", "MK93PU"),
        ("SW1A1AA", "SW1A1AA"),
        ("LU1", None),
        ("not a postcode", None),
        ("", None),
    ],
)
def test_postcode(raw: str, expected: str | None) -> None:
    """Postcodes are compacted, and anything not shaped like one is dropped."""
    assert postcode(raw) == expected


def test_address_expands_abbreviations() -> None:
    """Common street abbreviations expand so '12 High St' equals '12 High Street'."""
    assert address("12 High St, Luton") == "12 HIGH STREET LUTON"


@pytest.mark.parametrize(
    ("given", "family", "expected"),
    [
        ("BABY", "SMITH", True),
        ("UNKNOWN", "MALE", True),
        ("TEST", "PATIENT", True),
        ("JOHN", "XXTESTPATIENT", True),
        ("BABYBOY", "SMITH", True),
        ("NOT KNOWN", "NOT KNOWN", True),
        ("JOHN", "ZZZTESTPATIENT", True),
        ("ANNA", "KOWALSKI", False),
        ("KNOTT", "NOWAK", False),
        (None, None, False),
    ],
)
def test_is_placeholder(given: str | None, family: str | None, expected: bool) -> None:
    """Baby, Unknown, Test and XXTEST identities are placeholders."""
    assert is_placeholder(given, family) is expected


@pytest.mark.parametrize(
    ("given", "family", "expected"),
    [
        ("TEST", "PATIENT", True),
        ("JOHN", "XXTESTPATIENT", True),
        ("DUMMY", "SMITH", True),
        ("JOHN", "ZZZTESTPATIENT", True),
        ("BABY", "SMITH", False),
        ("UNKNOWN", "MALE", False),
        ("ANNA", "KOWALSKI", False),
    ],
)
def test_is_test_identity(given: str | None, family: str | None, expected: bool) -> None:
    """Test patients are the placeholders that never link by any rule; Baby and Unknown are
    placeholders but not test patients."""
    assert is_test_identity(given, family) is expected


def test_profile_keeps_only_a_valid_nhs_number() -> None:
    """An NHS number failing Modulus 11 is dropped from the profile."""
    assert profile(ANNA).nhs_number == ANNA.nhs_number
    assert profile(record(nhs_number="9990000019")).nhs_number is None


def test_profile_first_given_name_and_unknown_sex() -> None:
    """The first given name is compared; sex UNKNOWN counts as missing."""
    p = profile(record(given_name="Anna Maria", sex="UNKNOWN", birth_date=date(1984, 3, 7)))
    assert (p.given, p.sex) == ("ANNA", None)
