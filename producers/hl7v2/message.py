"""The parsed form of one HL7 v2 message and its accessors.

A message is a tuple of segments; a segment holds fields numbered from 1 as in the standard
(``PID-3`` is ``segment.field(3)``; for MSH, field 1 is the field separator and field 2 the
encoding characters, as in the standard). A field is a tuple of repetitions, a repetition a
tuple of components, a component a tuple of subcomponents (unescaped text). Values are kept
exactly as received so a message can be written back unchanged; the accessors strip
surrounding blanks and read HL7's explicit null ``""`` as ``None`` (an event payload is a
full snapshot, so "deleted" and "not sent" both mean "no value").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from producers.hl7v2.escaping import Delimiters

EXPLICIT_NULL = '""'

Component = tuple[str, ...]


def _clean(raw: str) -> str | None:
    """The value of one leaf, or None when it is empty or HL7's explicit null."""
    value = raw.strip()
    return None if not value or value == EXPLICIT_NULL else value


@dataclass(frozen=True, slots=True)
class Repetition:
    """One occurrence of a field: components of subcomponents, numbered from 1."""

    components: tuple[Component, ...]

    def get(self, component: int = 1, subcomponent: int = 1) -> str | None:
        """The cleaned value at ``component.subcomponent``, or None."""
        try:
            raw = self.components[component - 1][subcomponent - 1]
        except IndexError:
            return None
        return _clean(raw)

    def text(self, component: int = 1) -> str | None:
        """A component's non-empty subcomponents joined by a space (``1000&Main St``)."""
        try:
            parts = self.components[component - 1]
        except IndexError:
            return None
        cleaned = [v for v in (_clean(p) for p in parts) if v]
        return " ".join(cleaned) or None

    @property
    def is_empty(self) -> bool:
        """True when no component holds a value."""
        return all(_clean(sub) is None for comp in self.components for sub in comp)


EMPTY = Repetition(((),))

Field = tuple[Repetition, ...]


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment: its three-character name and its fields (``fields[0]`` is field 1)."""

    name: str
    fields: tuple[Field, ...]

    def field(self, number: int) -> Field:
        """All repetitions of field ``number`` (empty tuple when the field is absent)."""
        if 1 <= number <= len(self.fields):
            return self.fields[number - 1]
        return ()

    def repetitions(self, number: int) -> Iterator[Repetition]:
        """The non-empty repetitions of field ``number``."""
        return (rep for rep in self.field(number) if not rep.is_empty)

    def first(self, number: int) -> Repetition:
        """The first non-empty repetition of field ``number`` (an empty one when none)."""
        return next(self.repetitions(number), EMPTY)

    def get(self, number: int, component: int = 1, subcomponent: int = 1) -> str | None:
        """The cleaned value of ``number.component.subcomponent`` in the first repetition."""
        return self.first(number).get(component, subcomponent)


@dataclass(frozen=True, slots=True)
class Message:
    """One message: the delimiters its MSH declared and its segments, MSH first."""

    delimiters: Delimiters
    segments: tuple[Segment, ...]

    @property
    def msh(self) -> Segment:
        """The message header."""
        return self.segments[0]

    def first(self, name: str) -> Segment | None:
        """The first segment called ``name``, or None."""
        return next((seg for seg in self.segments if seg.name == name), None)

    def indexed(self, name: str) -> list[tuple[int, Segment]]:
        """Every segment called ``name`` with its position in the message (MSH is 0)."""
        return [(i, seg) for i, seg in enumerate(self.segments) if seg.name == name]
