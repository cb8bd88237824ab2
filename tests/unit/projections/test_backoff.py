"""Retry delays."""

from __future__ import annotations

import pytest

from projections.record.backoff import Backoff


@pytest.mark.parametrize(
    ("attempt", "expected"), [(1, 0.1), (2, 0.2), (4, 0.8), (7, 5.0), (50, 5.0)]
)
def test_delay_doubles_up_to_the_cap(attempt: int, expected: float) -> None:
    """Delays grow exponentially from the initial value and stop at the maximum."""
    assert Backoff(0.1, 5.0).delay(attempt) == pytest.approx(expected)


def test_attempts_count_from_one() -> None:
    """Attempt 0 is a programming error."""
    with pytest.raises(ValueError, match="attempt"):
        Backoff().delay(0)
