"""The measured part of a lab result: value, unit, reference range, flag and status.

These read an Observation or one of its components (both carry ``value[x]``,
``referenceRange``, ``interpretation`` and ``dataAbsentReason``).

Decisions:
- ``valueQuantity`` with a comparator (``<5``) keeps the text ``<5`` in ``value_text`` and no
  ``value_quantity``: a censored value must never be plotted as exact.
- The unit is the UCUM code when the quantity is UCUM-coded, else the human unit text.
- ``valueCodeableConcept``, ``valueString``, ``valueBoolean``, ``valueInteger``, ``valueRange``,
  ``valueRatio`` and the date/time values are kept (as number or text); ``valueSampledData``
  and ``valueAttachment`` are dropped (no place for them in the schema).
- A missing value with a ``dataAbsentReason`` keeps the reason's text as ``value_text``.
- Only the first reference range is kept.
"""

from __future__ import annotations

from typing import Any

from producers.fhir.elements import (
    Json,
    child,
    codings,
    concept_text,
    first,
    items,
    number,
    plain_number,
    string,
    unit_of,
)

RESULT_STATUS: dict[str, str] = {
    "registered": "PRELIMINARY",
    "preliminary": "PRELIMINARY",
    "final": "FINAL",
    "amended": "AMENDED",
    "corrected": "AMENDED",
    "cancelled": "CANCELLED",
    # The record withdraws it; the header's operation ENTERED_IN_ERROR says why.
    "entered-in-error": "CANCELLED",
    # Not known to be final, so never shown as final.
    "unknown": "PRELIMINARY",
}

ABNORMAL_FLAG: dict[str, str] = {
    "N": "NORMAL",
    "L": "LOW",
    "H": "HIGH",
    "LL": "CRITICAL_LOW",
    "HH": "CRITICAL_HIGH",
    "LU": "LOW",
    "HU": "HIGH",
    "A": "ABNORMAL",
    "AA": "ABNORMAL",
}


def value_fields(part: Json) -> dict[str, Any]:
    """``value_quantity``, ``value_text`` and ``unit`` of an Observation or component."""
    quantity = part.get("valueQuantity")
    if isinstance(quantity, dict):
        return _quantity(quantity)
    integer = number(part, "valueInteger")
    if integer is not None:
        return {"value_quantity": integer, "value_text": None, "unit": None}
    return {"value_quantity": None, "value_text": _text_value(part), "unit": None}


def reference_fields(part: Json) -> dict[str, Any]:
    """``reference_low``, ``reference_high`` and ``reference_text`` of the first range."""
    ranged = first(part, "referenceRange")
    return {
        "reference_low": number(ranged.get("low") if ranged else None, "value"),
        "reference_high": number(ranged.get("high") if ranged else None, "value"),
        "reference_text": string(ranged, "text"),
    }


def abnormal_flag(part: Json) -> str | None:
    """The schema flag for the first interpretation code, UNKNOWN for codes we do not map,
    None when there is no interpretation."""
    found = [c for concept in items(part, "interpretation") for c in codings(concept)]
    if not found:
        return None
    return ABNORMAL_FLAG.get(string(found[0], "code") or "", "UNKNOWN")


def _quantity(quantity: Json) -> dict[str, Any]:
    value = number(quantity, "value")
    unit = unit_of(quantity)
    comparator = string(quantity, "comparator")
    if comparator and value is not None:
        return {
            "value_quantity": None,
            "value_text": f"{comparator}{plain_number(value)}",
            "unit": unit,
        }
    return {"value_quantity": value, "value_text": None, "unit": unit}


def _text_value(part: Json) -> str | None:
    concept = part.get("valueCodeableConcept")
    if isinstance(concept, dict):
        return concept_text(concept)
    for key in ("valueString", "valueTime", "valueDateTime"):
        if text := string(part, key):
            return text
    if isinstance(part.get("valueBoolean"), bool):
        return "true" if part["valueBoolean"] else "false"
    return _range(part) or _ratio(part) or _period(part) or _absent(part)


def _range(part: Json) -> str | None:
    ranged = part.get("valueRange")
    if not isinstance(ranged, dict):
        return None
    ends = (number(child(ranged, "low"), "value"), number(child(ranged, "high"), "value"))
    low, high = (plain_number(end) if end is not None else "" for end in ends)
    return f"{low}-{high}"


def _ratio(part: Json) -> str | None:
    ratio = part.get("valueRatio")
    if not isinstance(ratio, dict):
        return None
    top, bottom = number(ratio.get("numerator"), "value"), number(ratio.get("denominator"), "value")
    if top is None or bottom is None:
        return None
    return f"{plain_number(top)}:{plain_number(bottom)}"


def _period(part: Json) -> str | None:
    period = part.get("valuePeriod")
    if not isinstance(period, dict):
        return None
    start, end = string(period, "start"), string(period, "end")
    return f"{start or ''}/{end or ''}" if start or end else None


def _absent(part: Json) -> str | None:
    reason = part.get("dataAbsentReason")
    return concept_text(reason) if isinstance(reason, dict) else None
