"""Errors of the HL7 v2 adapter.

Every reason names the HL7 field (``PID-7``, ``MSH-9``) and the rule it breaks, never the
value: HL7 fields carry names, dates of birth and NHS numbers. The adapter turns each error
into a :class:`producers.model.Rejection` whose ``reason`` is ``str(error)``::

    mcr.core.errors.McrError
    └── Hl7v2Error              anything the HL7 v2 adapter refuses
        ├── Er7SyntaxError      text is not well-formed ER7 (MSH-1/MSH-2, segment names)
        ├── FramingError        batch or file envelope broken (FHS/BHS/BTS/FTS, stray segments)
        └── MappingError        a field breaks a mapping rule (missing, malformed, unknown code)
            └── NhsNumberError  an NHS number in PID-3 is invalid or ambiguous (clinical safety)
"""

from __future__ import annotations

from mcr.core.errors import McrError


class Hl7v2Error(McrError):
    """Base of every error the HL7 v2 adapter raises on purpose."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


class Er7SyntaxError(Hl7v2Error):
    """The text of one message is not well-formed ER7 (bad MSH, unreadable segment)."""


class FramingError(Hl7v2Error):
    """The batch/file envelope is broken: extra headers, disagreeing counts, stray segments."""


class MappingError(Hl7v2Error):
    """A field needed for an event is missing, malformed or holds an unknown code."""


class NhsNumberError(MappingError):
    """An NHS number in PID-3 fails validation; the whole message is refused."""
