"""PID and PD1 -> the demographic fields of a patient event (schema ``patient`` v2).

Mapped: PID-5 name (the legal name, type ``L``, else the first), PID-7 birth date, PID-8 sex,
PID-11 address (home, type ``H``, else the first) with postcode, PID-13 phone (primary
residence number, else the first that is not an e-mail address), PID-15 preferred language,
PID-29 death time and PD1-3 registered GP practice (its organisation identifier, XON-10, else
XON-3: the ODS code in UK feeds; never the practice name).

Left out on purpose: aliases and maiden names (PID-6, PID-9), race, ethnicity, religion,
marital status, citizenship (PID-10, -16, -17, -22, -26..28: sensitive and not in the schema),
SSN and driving licence (PID-19, -20: foreign identifiers), business phone (PID-14), the
country of the address and phone extensions (not in the schema), PD1-4 (the GP's name: a
person's name), and PID-30 death indicator without PID-29 (the schema has no flag without a
time, and we do not invent one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from producers.hl7v2.message import EMPTY, Repetition, Segment
from producers.hl7v2.timestamps import parse_date, parse_timestamp

_SEX = {"M": "MALE", "F": "FEMALE", "O": "OTHER", "A": "OTHER", "U": "UNKNOWN", "N": "UNKNOWN"}
_EMAIL_EQUIPMENT = frozenset({"INTERNET", "X.400"})
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


def patient_fields(pid: Segment, pd1: Segment | None) -> dict[str, Any]:
    """The patient-event fields (other than header and merge links) read from PID and PD1."""
    name = _preferred(pid.repetitions(5), type_component=7, wanted="L")
    address = _preferred(pid.repetitions(11), type_component=7, wanted="H")
    return {
        "given_names": given_names(name),
        "family_name": name.get(1, 1),
        "birth_date": birth_date(pid),
        "sex": _SEX.get((pid.get(8) or "U").upper(), "UNKNOWN"),
        "postcode": postcode(address),
        "address_lines": address_lines(address),
        "phone": phone(pid.repetitions(13)),
        "deceased_at": deceased_at(pid),
        "registered_gp_practice": gp_practice(pd1),
        "preferred_language": preferred_language(pid),
    }


def _preferred(reps: Iterable[Repetition], *, type_component: int, wanted: str) -> Repetition:
    """The first repetition whose type is ``wanted``, else the first, else an empty one."""
    candidates = list(reps)
    for rep in candidates:
        if (rep.get(type_component) or "").upper() == wanted:
            return rep
    return candidates[0] if candidates else EMPTY


def given_names(name: Repetition) -> list[str]:
    """XPN-2 given name and XPN-3 further given names, in order, blanks left out."""
    return [n for n in (name.get(2), name.get(3)) if n]


def birth_date(pid: Segment) -> date | None:
    """PID-7 as a calendar date (see ``timestamps.parse_date``)."""
    raw = pid.get(7)
    return parse_date(raw, field="PID-7") if raw else None


def address_lines(address: Repetition) -> list[str]:
    """Street (all its subcomponents), other designation, city and county, blanks left out."""
    parts = (address.text(1), address.get(2), address.get(3), address.get(4))
    return [part for part in parts if part]


def postcode(address: Repetition) -> str | None:
    """XAD-5 upper-cased with single spaces (``lu1  3lu`` -> ``LU1 3LU``)."""
    raw = address.get(5)
    return " ".join(raw.upper().split()) if raw else None


def phone(numbers: Iterable[Repetition]) -> str | None:
    """The primary-residence number (XTN-2 ``PRN``), else the first that is not e-mail."""
    phones = [rep for rep in numbers if (rep.get(3) or "").upper() not in _EMAIL_EQUIPMENT]
    chosen = _preferred(phones, type_component=2, wanted="PRN")
    return _phone_number(chosen)


def _phone_number(rep: Repetition) -> str | None:
    """XTN-12 unformatted number, else XTN-1 as written, else +country area local."""
    written = rep.get(12) or rep.get(1)
    if written:
        return written
    local = "".join(part for part in (rep.get(6), rep.get(7)) if part)
    if not local:
        return None
    country = rep.get(5)
    return f"+{country.lstrip('+')} {local}" if country else local


def deceased_at(pid: Segment) -> datetime | None:
    """PID-29 death date/time as a UTC instant."""
    raw = pid.get(29)
    return parse_timestamp(raw, field="PID-29") if raw else None


def gp_practice(pd1: Segment | None) -> str | None:
    """PD1-3 organisation identifier (XON-10, else XON-3)."""
    if pd1 is None:
        return None
    practice = pd1.first(3)
    return practice.get(10) or practice.get(3)


def preferred_language(pid: Segment) -> str | None:
    """PID-15.1 when it looks like an ISO 639 / BCP-47 code (``en``, ``ara``, ``en-GB``)."""
    code = pid.get(15)
    return code if code and _LANGUAGE_TAG.fullmatch(code) else None
