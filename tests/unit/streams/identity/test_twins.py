"""When training's records rule twins out (``streams.identity.twins``)."""

from __future__ import annotations

import pytest

from streams.identity.twins import TwinEvidence


@pytest.mark.parametrize(
    ("registered_apart", "records", "rules_out"),
    [
        (0, 10_000, True),  # FEBRL 4: two sources built one person at a time
        (0, 3_000, False),  # too few records to say so even at zero
        (0, 3_001, True),
        (114, 17_774, False),  # the synthetic region without NHS numbers
        (20, 100_000, True),  # chance namesakes in a large twin-free set
        (80, 100_000, False),
        (0, 0, False),
    ],
)
def test_twins_are_ruled_out_only_on_enough_records_without_them(
    registered_apart: int, records: int, rules_out: bool
) -> None:
    assert TwinEvidence(registered_apart, records).rules_out_twins is rules_out


def test_the_bound_is_the_exact_one_at_zero_and_never_below_the_count() -> None:
    """3 per records at zero (the exact one-sided 95% Poisson bound); above the count else."""
    assert TwinEvidence(0, 1_000).rate_upper_bound == pytest.approx(0.003)
    for n in (1, 4, 25, 400):
        assert TwinEvidence(n, 1_000).rate_upper_bound > n / 1_000
