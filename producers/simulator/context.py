"""What every history generator needs about one person, and the random streams they draw from."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from producers.simulator.conditions import Condition
from producers.simulator.people import Person
from producers.simulator.randomness import seeded
from producers.simulator.records import OrgRecord
from producers.simulator.timeline import AS_OF, HISTORY_START, age_on


@dataclass(frozen=True)
class PersonContext:
    """One person's truth, long-term conditions and lab baselines, shared by the histories."""

    seed: int
    person: Person
    conditions: frozenset[Condition]
    baseline: dict[str, float]

    @property
    def age(self) -> int:
        """Age on the simulated today."""
        return age_on(self.person.birth_date, AS_OF.date())

    def age_at(self, moment: datetime) -> int:
        """Age at ``moment``."""
        return age_on(self.person.birth_date, moment.date())

    def rng(self, record: OrgRecord, purpose: str) -> random.Random:
        """An independent stream per record and purpose, so adding one never shifts another."""
        return seeded(f"{self.seed}/{self.person.index}/{record.local_id}/{purpose}")

    def window(self, record: OrgRecord) -> tuple[datetime, datetime]:
        """The span in which ``record``'s organisation sees the person."""
        return max(record.membership.since, HISTORY_START), self.person.last_alive

    def years_known(self, record: OrgRecord) -> float:
        """How many years of the window ``record``'s organisation sees the person."""
        start, end = self.window(record)
        return max(0.0, (end - start).total_seconds() / (365.25 * 86400))


def count_around(rng: random.Random, mean: float) -> int:
    """A count whose expectation is ``mean`` (uniform spread, randomised rounding)."""
    return int(max(0.0, mean) * rng.uniform(0.4, 1.6) + rng.random())


def item_id(record: OrgRecord, letter: str, serial: int) -> str:
    """The source record id of the ``serial``-th item of one kind (``J12345678-E0003``)."""
    return f"{record.local_id}-{letter}{serial:04d}"
