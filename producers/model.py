"""What an adapter returns: the events it mapped and, for what it could not map, why."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.events import SourceEvent


@dataclass(frozen=True)
class Rejection:
    """Input that was not turned into an event.

    ``location`` points into the input (``Bundle.entry[3](Observation)``, ``message 2 PID-7``);
    ``reason`` names the field and the rule. Neither ever holds a patient's data.
    """

    location: str
    reason: str


@dataclass
class AdapterResult:
    """Events mapped from one input document, plus the parts that were rejected."""

    events: list[SourceEvent] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    """Resource or message types deliberately not mapped (e.g. Immunization), with counts."""

    def skip(self, kind: str, count: int = 1) -> None:
        """Count ``count`` parts of type ``kind`` not mapped on purpose."""
        self.skipped[kind] = self.skipped.get(kind, 0) + count

    def add(self, event: SourceEvent | None, *, or_skip_as: str) -> None:
        """Keep ``event``; when the part gave none (nothing codable), count it under
        ``or_skip_as``."""
        if event is None:
            self.skip(or_skip_as)
        else:
            self.events.append(event)

    def extend(self, other: AdapterResult) -> None:
        self.events.extend(other.events)
        self.rejections.extend(other.rejections)
        for kind, count in other.skipped.items():
            self.skip(kind, count)
