"""NHS numbers: format and Modulus 11 check digit, shared by producers, identity and tests.

An NHS number is 10 digits; the 10th is a check digit computed with weights 10..2 over the
first nine (Modulus 11). A remainder giving 10 means the number is invalid. The 999 range
(999 000 0000 - 999 999 9999) is reserved for testing and is what all our test data uses.
"""

from __future__ import annotations

from array import array
from functools import cache
from typing import NewType

NhsNumber = NewType("NhsNumber", str)

_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)

#: PDS "NHS number status indicator" codes -> our ``NhsNumberStatus`` symbols, for a number
#: that is present. 06 (trace in progress) and 08 (trace postponed) mean "not yet traced".
#: 07 ("number not present") cannot describe a number that is there, so like any unknown code
#: it falls back to UNVERIFIED in the callers, never to VERIFIED.
STATUS_BY_PDS_CODE: dict[str, str] = {
    "01": "VERIFIED",
    "02": "UNVERIFIED",
    "03": "TRACE_REQUIRED",
    "04": "TRACE_FAILED",
    "05": "NEEDS_RESOLUTION",
    "06": "TRACE_REQUIRED",
    "08": "TRACE_REQUIRED",
}
TEST_RANGE_PREFIX = "999"


def check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit for nine digits, or None when no valid digit exists."""
    total = sum(int(d) * w for d, w in zip(first_nine, _WEIGHTS, strict=True))
    digit = 11 - total % 11
    if digit == 11:
        return 0
    return None if digit == 10 else digit


def normalise(raw: str) -> str:
    """Strip the spaces and dashes people type (``943 476 5919`` -> ``9434765919``)."""
    return raw.replace(" ", "").replace("-", "")


def is_valid(raw: str) -> bool:
    """True when ``raw`` (after normalising) is 10 digits with a correct check digit."""
    number = normalise(raw)
    if len(number) != 10 or not number.isdigit() or number == number[0] * 10:
        return False
    return check_digit(number[:9]) == int(number[9])


def parse(raw: str) -> NhsNumber:
    """The normalised NHS number; raises ValueError with the rule broken (never the value)."""
    number = normalise(raw)
    if len(number) != 10 or not number.isdigit():
        raise ValueError("nhs_number: must be 10 digits")
    if not is_valid(number):
        raise ValueError("nhs_number: fails the Modulus 11 check")
    return NhsNumber(number)


def test_number(serial: int) -> NhsNumber:
    """The ``serial``-th valid number of the 999 test range, counting from 0.

    Deterministic, so simulators and tests can derive numbers from a seed. The range holds
    about 909,000 valid numbers (1 prefix in 11 has no valid check digit); beyond that this
    raises ValueError.
    """
    table = _valid_test_prefixes()
    if not 0 <= serial < len(table):
        raise ValueError(f"test range holds {len(table)} valid numbers")
    first_nine = f"{TEST_RANGE_PREFIX}{table[serial]:06d}"
    return NhsNumber(f"{first_nine}{check_digit(first_nine)}")


@cache
def _valid_test_prefixes() -> array[int]:
    """Every 6-digit suffix after 999 whose 9-digit prefix has a check digit (built once, ~1 s)."""
    table: array[int] = array("I")
    for suffix in range(1_000_000):
        first_nine = f"{TEST_RANGE_PREFIX}{suffix:06d}"
        if check_digit(first_nine) is not None and first_nine != "999999999":
            table.append(suffix)
    return table
