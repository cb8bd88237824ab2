"""Request checks: each failure names its field and rule, and never repeats the value."""

from __future__ import annotations

from datetime import date

import pytest

from consumers.api import validation
from consumers.api.errors import ValidationError
from consumers.api.validation import Page
from schemas import nhs_number

TODAY = date(2025, 3, 1)
VALID = nhs_number.test_number(5)


@pytest.mark.parametrize(
    ("raw", "message"),
    [(None, "X-MCR-Purpose: required"), (" ", "X-MCR-Purpose: required"),
     ("research", "X-MCR-Purpose: must be one of direct-care")],
)  # fmt: skip
def test_purpose_is_required_and_checked(raw: str | None, message: str) -> None:
    """A missing or unknown purpose is 400, naming the header, never the value."""
    with pytest.raises(ValidationError, match=message) as caught:
        validation.purpose(raw)
    assert (caught.value.field, caught.value.status) == ("X-MCR-Purpose", 400)


def test_direct_care_is_the_purpose() -> None:
    """The one purpose the shared care record serves is accepted (trimmed)."""
    assert validation.purpose(" direct-care ") == "direct-care"


def test_nhs_number_is_normalised() -> None:
    """Spaces and dashes people type are removed."""
    spaced = f"{VALID[:3]} {VALID[3:6]}-{VALID[6:]}"
    assert validation.nhs_number(spaced) == VALID


@pytest.mark.parametrize(
    ("raw", "rule"),
    [("123", "must be 10 digits"), ("99900000AB", "must be 10 digits"),
     (VALID[:9] + str((int(VALID[9]) + 1) % 10), "fails the Modulus 11 check"),
     ("1111111111", "fails the Modulus 11 check")],
)  # fmt: skip
def test_bad_nhs_numbers_name_the_rule_and_not_the_value(raw: str, rule: str) -> None:
    """A wrong NHS number fails with field nhs_number and the rule, without echoing it."""
    with pytest.raises(ValidationError, match=f"^nhs_number: {rule}$") as caught:
        validation.nhs_number(raw)
    assert caught.value.field == "nhs_number"
    assert raw not in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Smith", "Smith"), ("  O'Brien-Jones ", "O'Brien-Jones"), ("de  la Cruz", "de la Cruz"),
     ("Øvergård", "Øvergård")],
)  # fmt: skip
def test_family_names_are_trimmed(raw: str, expected: str) -> None:
    """Letters, spaces, hyphens and apostrophes pass, with spaces collapsed."""
    assert validation.family_name(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "Sm1th", "<script>", "-", "x" * 101])
def test_bad_family_names_are_refused_without_echo(raw: str) -> None:
    """Digits, markup, punctuation alone or over 100 characters fail on family_name."""
    with pytest.raises(ValidationError, match=r"^family_name: expected") as caught:
        validation.family_name(raw)
    assert caught.value.field == "family_name"


@pytest.mark.parametrize(
    ("raw", "message"),
    [("1970-13-01", "not an ISO date"), ("01/02/1970", "not an ISO date"),
     ("1970-1-1", "not an ISO date"), ("2025-03-02", "must not be in the future")],
)  # fmt: skip
def test_bad_birth_dates_name_the_rule(raw: str, message: str) -> None:
    """A birth date must be a real YYYY-MM-DD date, not after today."""
    with pytest.raises(ValidationError, match=f"^birth_date: {message}") as caught:
        validation.birth_date(raw, today=TODAY)
    assert caught.value.field == "birth_date" and raw not in str(caught.value)


def test_a_good_birth_date_passes() -> None:
    """Today itself is a valid birth date."""
    assert validation.birth_date("2025-03-01", today=TODAY) == "2025-03-01"


@pytest.mark.parametrize(
    "raw", ["", "a/b", "x" * 129, "-leading", "has space", "naïve", "p-a\n", "p-a\r"]
)
def test_bad_person_ids_are_refused(raw: str) -> None:
    """Person ids are 1-128 letters, digits, '.', '_', ':' or '-', starting alphanumeric (a
    trailing newline, which ``$`` would let through, too)."""
    with pytest.raises(ValidationError, match=r"^person_id: expected"):
        validation.person_id(raw)


@pytest.mark.parametrize(
    ("query", "expected"),
    [({}, Page(1, 50)), ({"page": ["3"], "page_size": ["20"]}, Page(3, 20)),
     ({"page_size": ["100"], "page": ["100"]}, Page(100, 100))],
)  # fmt: skip
def test_page_defaults_and_values(query: dict[str, list[str]], expected: Page) -> None:
    """page defaults to 1 and page_size to 50."""
    assert validation.page(query) == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [({"page": ["0"]}, "page"), ({"page": ["x"]}, "page"), ({"page_size": ["101"]}, "page_size"),
     ({"page_size": ["-1"]}, "page_size"), ({"page_size": ["100"], "page": ["101"]}, "page"),
     ({"page": ["1", "2"]}, "page")],
)  # fmt: skip
def test_bad_pages_name_the_parameter(query: dict[str, list[str]], field: str) -> None:
    """Out of range, non-numeric, beyond the result window or repeated: 400 on that field."""
    with pytest.raises(ValidationError) as caught:
        validation.page(query)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("query", "field"),
    [({"page": ["\u00b2"]}, "page"), ({"page_size": ["\u00b3"]}, "page_size"),
     ({"page": ["\u0663"]}, "page"), ({"page": ["\uff12"]}, "page"),
     ({"page": ["2\n"]}, "page"), ({"page": ["1" * 5000]}, "page"),
     ({"page_size": [" 5"]}, "page_size"), ({"page": ["+2"]}, "page")],
)  # fmt: skip
def test_pages_are_ascii_digits_only(query: dict[str, list[str]], field: str) -> None:
    """Characters ``str.isdigit`` accepts but that are not ASCII digits (superscript two, an
    Arabic-Indic or fullwidth digit), a trailing newline, a sign or a number too long for
    ``int`` are a 400 on the parameter, not a ValueError (which became a 500 with no audit row).
    """
    with pytest.raises(ValidationError, match=f"^{field}: expected a whole number") as caught:
        validation.page(query)
    assert caught.value.field == field


def test_record_types_default_to_all_and_refuse_unknown() -> None:
    """type narrows the record to one type; anything else is refused."""
    assert validation.record_types({}) == (
        "result", "medication", "encounter", "condition", "allergy", "immunisation",
        "procedure", "document")  # fmt: skip
    assert validation.record_types({"type": ["encounter"]}) == ("encounter",)
    with pytest.raises(ValidationError, match=r"^type: must be one of result, medication"):
        validation.record_types({"type": ["patient"]})
