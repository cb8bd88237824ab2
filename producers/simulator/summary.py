"""Running totals of a simulation: people, records, events by type and organisation kind."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from producers.simulator.generator import PersonRecords
from producers.simulator.region import REGION


@dataclass
class RegionTally:
    """Counts what passes through; ``elapsed_s`` runs from creation (or ``clock`` start)."""

    clock: Callable[[], float] = time.perf_counter
    people: int = 0
    records: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    by_org_kind: Counter[str] = field(default_factory=Counter)
    records_by_org_kind: Counter[str] = field(default_factory=Counter)
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def add(self, person: PersonRecords) -> None:
        """Count one person's records and events."""
        self.people += 1
        self.records += len(person.records)
        for record in person.records:
            self.records_by_org_kind[record.membership.org.kind.value] += 1
        for event in person.events:
            self.by_type[event.record_type.value] += 1
            self.by_org_kind[REGION.by_code(event.payload["header"]["org"]).kind.value] += 1

    @property
    def events(self) -> int:
        """Events counted so far."""
        return self.by_type.total()

    @property
    def elapsed_s(self) -> float:
        """Seconds since the tally started."""
        return self.clock() - self.started

    def lines(self) -> list[str]:
        """A readable summary (counts only: never anything about a person)."""
        seconds = max(self.elapsed_s, 1e-9)
        lines = [
            f"people: {self.people}",
            f"records: {self.records}",
            f"events: {self.events}",
            f"seconds: {seconds:.2f}",
            f"events/s: {self.events / seconds:.0f}",
            f"people/s: {self.people / seconds:.0f}",
            "events by record type:",
            *(f"  {name}: {count}" for name, count in sorted(self.by_type.items())),
            "events by organisation kind:",
            *(f"  {name}: {count}" for name, count in sorted(self.by_org_kind.items())),
            "records by organisation kind:",
            *(f"  {name}: {count}" for name, count in sorted(self.records_by_org_kind.items())),
        ]
        return lines
