"""The value parts of one OBX: value by type, unit, reference range and abnormal flag.

- OBX-5 by OBX-2 value type: ``NM`` is a number (value_quantity); ``SN`` (structured numeric)
  is a number when it is a plain ``[=]^n``, else text such as ``<^5`` -> ``<5`` or
  ``^1^:^128`` -> ``1:128``; coded types (CE, CWE, CNE) give their text (else the code); every
  other type gives its text, components joined by a space and repetitions by a newline. An
  ``NM`` value that is not a number (``>10``) is kept as text, not dropped.
- OBX-7 reference range: ``3.5-5.0``, ``3.5 to 5.0`` and ``70_105`` give low and high; ``<5``
  and ``<=5`` give a high, ``>2`` and ``>=2`` a low (whether the bound is inclusive is kept
  only in ``reference_text``, which always holds the range as written).
- OBX-8 abnormal flag (first repetition): L, H, LL, HH, A, AA, N as in HL7 table 0078;
  AA (critically abnormal) becomes ABNORMAL; any other flag (``<``, ``>``, U, D, B, W, ...)
  becomes UNKNOWN rather than being dropped.
"""

from __future__ import annotations

import math
import re
from typing import Any

from producers.hl7v2.coding import display_text, unit_text
from producers.hl7v2.message import Segment

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_RANGE = re.compile(rf"\s*({_NUMBER})\s*(?:-|to|_|–)\s*({_NUMBER})\s*", re.IGNORECASE)
_UPPER = re.compile(rf"\s*<=?\s*({_NUMBER})\s*")
_LOWER = re.compile(rf"\s*>=?\s*({_NUMBER})\s*")
_CODED_TYPES = frozenset({"CE", "CWE", "CNE"})
_FLAGS = {
    "N": "NORMAL",
    "L": "LOW",
    "H": "HIGH",
    "LL": "CRITICAL_LOW",
    "HH": "CRITICAL_HIGH",
    "A": "ABNORMAL",
    "AA": "ABNORMAL",
}


def to_number(text: str | None) -> float | None:
    """``text`` as a finite float, or None when it is not a plain decimal number."""
    if text is None or not re.fullmatch(_NUMBER, text.strip()):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def value_fields(obx: Segment) -> dict[str, Any]:
    """``value_quantity`` and ``value_text`` of one OBX."""
    kind = (obx.get(2) or "").upper()
    reps = list(obx.repetitions(5))
    if not reps:
        return {"value_quantity": None, "value_text": None}
    if kind == "NM" and len(reps) == 1:
        number = to_number(reps[0].get(1))
        if number is not None:
            return {"value_quantity": number, "value_text": None}
    if kind == "SN" and len(reps) == 1:
        return _structured_numeric(obx)
    if kind in _CODED_TYPES:
        texts = [display_text(rep) for rep in reps]
    else:
        texts = [
            " ".join(filter(None, (rep.text(i + 1) for i in range(len(rep.components)))))
            for rep in reps
        ]
    return {"value_quantity": None, "value_text": "\n".join(t for t in texts if t) or None}


def _structured_numeric(obx: Segment) -> dict[str, Any]:
    rep = obx.first(5)
    comparator, first, separator, second = (rep.get(i) for i in (1, 2, 3, 4))
    number = to_number(first)
    if number is not None and comparator in (None, "=") and separator is None and second is None:
        return {"value_quantity": number, "value_text": None}
    text = "".join(part for part in (comparator, first, separator, second) if part)
    return {"value_quantity": None, "value_text": text or None}


def unit(obx: Segment) -> str | None:
    """OBX-6 unit (see ``coding.unit_text``): UCUM code where the sender uses UCUM."""
    return unit_text(obx.first(6))


def reference_range(text: str | None) -> dict[str, Any]:
    """``reference_low``, ``reference_high`` and ``reference_text`` from OBX-7."""
    low = high = None
    if text:
        if match := _RANGE.fullmatch(text):
            low, high = to_number(match[1]), to_number(match[2])
        elif match := _UPPER.fullmatch(text):
            high = to_number(match[1])
        elif match := _LOWER.fullmatch(text):
            low = to_number(match[1])
    return {"reference_low": low, "reference_high": high, "reference_text": text}


def abnormal_flag(obx: Segment) -> str | None:
    """OBX-8 (first repetition, first component) as an AbnormalFlag symbol, or None."""
    flag = obx.get(8)
    return _FLAGS.get(flag.upper(), "UNKNOWN") if flag else None
