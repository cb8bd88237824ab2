"""Laws of the OBX value helpers: reference ranges and numbers read back what was written."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from producers.hl7v2.observation import reference_range, to_number

_decimals = st.decimals(min_value=-10_000, max_value=10_000, places=3, allow_nan=False)
_separators = st.sampled_from(["-", " - ", " to ", "_"])


@given(_decimals, _decimals, _separators)
def test_written_range_reads_back_as_low_and_high(low: Decimal, high: Decimal, sep: str) -> None:
    """``f"{low}{sep}{high}"`` gives exactly low and high, and keeps the text as written."""
    written = f"{low}{sep}{high}"
    assert reference_range(written) == {
        "reference_low": float(low),
        "reference_high": float(high),
        "reference_text": written,
    }


@given(_decimals)
def test_upper_and_lower_limits(limit: Decimal) -> None:
    """``<x`` is an upper limit only and ``>x`` a lower limit only."""
    assert reference_range(f"<{limit}")["reference_high"] == float(limit)
    assert reference_range(f"<{limit}")["reference_low"] is None
    assert reference_range(f">{limit}")["reference_low"] == float(limit)
    assert reference_range(f">{limit}")["reference_high"] is None


@given(_decimals)
def test_decimal_text_reads_back_as_its_number(value: Decimal) -> None:
    """Any plain decimal written as text is read as that number."""
    assert to_number(str(value)) == float(value)


@given(st.text(alphabet="<>=abcXYZ %", min_size=1))
def test_text_without_digits_is_not_a_number(text: str) -> None:
    """Text with no digits is never taken for a number (it stays value_text)."""
    assert to_number(text) is None
