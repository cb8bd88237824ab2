"""HL7 v2 adapter: ER7 messages, batches and files -> source events (pure; no I/O).

Use :func:`events_from_hl7v2`; everything else in this package is private to it. Module map:
``batch`` (envelope), ``parser`` and ``escaping`` (ER7), ``message`` (tree and accessors),
``timestamps``, ``coding``, ``identity`` (PID-3, NHS number), ``header`` (event ids,
versions), ``demographics`` + ``visits`` + ``adt`` (+ ``allergies`` for AL1, ``diagnoses`` for
DG1), ``observation`` + ``oru``, ``pharmacy``, ``problems`` (PRB), ``immunisations`` (VXU),
``adapter`` (routing) and ``errors``.
"""

from producers.hl7v2.adapter import events_from_hl7v2
from producers.hl7v2.errors import (
    Er7SyntaxError,
    FramingError,
    Hl7v2Error,
    MappingError,
    NhsNumberError,
)

__all__ = [
    "Er7SyntaxError",
    "FramingError",
    "Hl7v2Error",
    "MappingError",
    "NhsNumberError",
    "events_from_hl7v2",
]
