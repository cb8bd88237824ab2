"""What training saw of twins, and whether that rules them out (issue 13, fifth round).

The matcher's twin guard (README rule 4: same family name and birth date, another given name)
rests on a fact about the population: twins are common enough that such a pair above the
auto-link threshold is often two people (on the synthetic region without NHS numbers, 1,077
of 1,110 were). That is a prior about family structure, so it is measured where the weights
are trained rather than assumed everywhere: training counts the pairs of records that **one
organisation registered as two patients** (same organisation, different local ids) and that
show the twin pattern at or above auto-link, which are the pairs the guard exists for.

Only a population whose records rule twins out with 95% confidence (fewer than one such pair
per :data:`MAX_TWIN_PAIRS_PER_RECORD` inverse records, on at least a few thousand records)
drops the guard. Every real region keeps it: its organisations register twins apart (the
synthetic region: 6.4 such pairs per 1,000 records); a set built one person at a time, such as
FEBRL, has none. A dedupe set keeps it too, since its own duplicates look like registered
twins. Weights without this evidence (every version trained before it) keep the guard.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["MAX_TWIN_PAIRS_PER_RECORD", "TwinEvidence"]

MAX_TWIN_PAIRS_PER_RECORD = 1 / 1000
"""Above this rate of registered-apart twin-pattern pairs per record, twins are present."""


@dataclass(frozen=True)
class TwinEvidence:
    """Training's count of twin-pattern pairs one organisation registered apart."""

    registered_apart: int
    """Pairs of one organisation's records (different local ids) showing the twin pattern
    and scoring at or above the auto-link threshold."""
    records: int
    """Records of organisations holding at least two (the only ones that could show a pair)."""

    @property
    def rate_upper_bound(self) -> float:
        """A conservative one-sided 95% upper bound on pairs per record: a Poisson count's
        ``n + 3 + 3 * sqrt(n)`` (exactly 3 at zero, above the exact bound elsewhere)."""
        if self.records <= 0:
            return math.inf
        n = self.registered_apart
        return (n + 3 + 3 * math.sqrt(n)) / self.records

    @property
    def rules_out_twins(self) -> bool:
        """Whether the records show, with 95% confidence, fewer twin-pattern pairs than
        :data:`MAX_TWIN_PAIRS_PER_RECORD` (needs at least 3,000 records even at zero)."""
        return self.rate_upper_bound < MAX_TWIN_PAIRS_PER_RECORD
