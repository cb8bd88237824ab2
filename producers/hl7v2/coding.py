"""Coded values (CE, CWE, CNE) -> the ``Code`` record of our schemas.

A coded element holds a primary triplet (components 1-3: code, text, coding system) and an
alternate one (4-6); component 9 is the original text. The primary triplet is used when its
coding system is one we know; otherwise the alternate one when *its* system is known (a lab
often sends a local code with the LOINC code as alternate); otherwise the primary code with
system ``LOCAL``. Display is the triplet's text, else the original text.
"""

from __future__ import annotations

from typing import Any

from producers.hl7v2.message import Repetition

LOCAL = "LOCAL"

# HL7 table 0396 names and OIDs, upper-cased, -> our CodeSystem enum symbols.
_SYSTEMS: dict[str, str] = {
    "LN": "LOINC",
    "LOINC": "LOINC",
    "2.16.840.1.113883.6.1": "LOINC",
    "SCT": "SNOMED",
    "SNOMED": "SNOMED",
    "SNOMED CT": "SNOMED",
    "SNOMED-CT": "SNOMED",
    "2.16.840.1.113883.6.96": "SNOMED",
    "DMD": "DMD",
    "DM+D": "DMD",
    "I10": "ICD10",
    "ICD10": "ICD10",
    "ICD-10": "ICD10",
    "RC": "READ",
    "READ": "READ",
    "CTV3": "READ",
    "OPCS4": "OPCS4",
    "OPCS-4": "OPCS4",
}


def code_system(name: str | None) -> str | None:
    """Our CodeSystem symbol for an HL7 coding-system name, or None when it is not known."""
    return _SYSTEMS.get(name.strip().upper()) if name else None


def coded(rep: Repetition) -> dict[str, Any] | None:
    """The ``Code`` record of one coded element, or None when it carries no code."""
    for offset in (0, 3):
        code = rep.get(1 + offset)
        system = code_system(rep.get(3 + offset))
        if code and system:
            return _code(system, code, rep.get(2 + offset) or rep.get(9))
    code = rep.get(1)
    if code is None:
        return None
    return _code(LOCAL, code, rep.get(2) or rep.get(9))


def _code(system: str, code: str, display: str | None) -> dict[str, Any]:
    return {"system": system, "code": code, "display": display}


def display_text(rep: Repetition) -> str | None:
    """Human text of a coded element: its text, else original text, else the code."""
    return rep.get(2) or rep.get(9) or rep.get(1)


def unit_text(rep: Repetition) -> str | None:
    """A unit: its code when that reads as a unit symbol (``mg/dL``, ``10*6/uL``), its text
    when the code is a bare number (a SNOMED or local concept id such as ``385055001^Tablet``)."""
    code, text = rep.get(1), rep.get(2)
    if code and (not code.isdigit() or text is None):
        return code
    return text
