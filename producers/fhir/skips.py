"""What a mapper returns when it decides not to map a resource (counted, never an error)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Skip:
    """A deliberate non-mapping; ``kind`` is the key counted in ``AdapterResult.skipped``
    (``CarePlan``, ``Observation(vital-sign)``, ``MedicationStatement(not-taken)``,
    ``DiagnosticReport`` for a report that presents no document: its results are its
    Observations, ``DiagnosticReport(cancelled)``)."""

    kind: str
