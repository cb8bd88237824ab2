"""Reading FHIR JSON elements: lists, first items, codings and text, tolerant of shape.

FHIR JSON makes every element with cardinality above one an array. Documents converted from
XML or written by hand sometimes carry a single object where an array belongs, so readers go
through :func:`items`, which accepts both.
"""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]


def items(element: Json | None, key: str) -> list[Json]:
    """The objects under ``key`` as a list (a lone object is wrapped; non-objects dropped)."""
    if not element:
        return []
    value = element.get(key)
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def strings(element: Json | None, key: str) -> list[str]:
    """The non-empty strings under ``key`` (a repeating primitive such as ``given``)."""
    if not element:
        return []
    value = element.get(key)
    values = value if isinstance(value, list) else [value]
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def child(element: Json | None, key: str) -> Json | None:
    """The object under ``key`` (a single complex element such as ``period``), or None."""
    if not element:
        return None
    value = element.get(key)
    return value if isinstance(value, dict) else None


def first(element: Json | None, key: str) -> Json | None:
    """The first object under ``key``, or None."""
    found = items(element, key)
    return found[0] if found else None


def string(element: Json | None, key: str) -> str | None:
    """The string under ``key`` stripped, or None when absent or blank."""
    if not element:
        return None
    value = element.get(key)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def number(element: Json | None, key: str) -> float | None:
    """The number under ``key`` (JSON number, or a numeric string from XML), or None."""
    if not element:
        return None
    value = element.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def codings(concept: Json | None) -> list[Json]:
    """The codings of a CodeableConcept that carry a code."""
    return [c for c in items(concept, "coding") if string(c, "code")]


def coding_codes(concept: Json | None) -> set[str]:
    """Every code in a CodeableConcept, whatever its system."""
    return {code for c in codings(concept) if (code := string(c, "code"))}


def concept_text(concept: Json | None) -> str | None:
    """What a person reads: the concept's text, else the first coding's display or code."""
    if not concept:
        return None
    text = string(concept, "text")
    if text:
        return text
    for coding in items(concept, "coding"):
        label = string(coding, "display") or string(coding, "code")
        if label:
            return label
    return None


def extension(element: Json | None, url: str) -> Json | None:
    """The first extension with this url, or None."""
    for ext in items(element, "extension"):
        if ext.get("url") == url:
            return ext
    return None


def meta_of(resource: Json) -> Json | None:
    """The resource's ``meta`` element, if it is an object."""
    meta = resource.get("meta")
    return meta if isinstance(meta, dict) else None


UCUM = "http://unitsofmeasure.org"


def unit_of(quantity: Json | None) -> str | None:
    """A Quantity's unit: the UCUM code when UCUM-coded, else the unit as written."""
    if string(quantity, "system") == UCUM and (code := string(quantity, "code")):
        return code
    return string(quantity, "unit") or string(quantity, "code")


def plain_number(value: float) -> str:
    """A number as people write it: ``5.0`` -> ``5``, ``0.25`` -> ``0.25``."""
    return str(int(value)) if value.is_integer() else str(value)
