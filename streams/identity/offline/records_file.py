"""The records CSV read by ``link-eval`` and ``train``.

Header: ``record_id,source,truth_id,nhs_number,given_name,family_name,birth_date,sex,postcode,
address`` (``birth_date`` is YYYY-MM-DD; every field but record_id, source and truth_id may be
empty). An optional ``nhs_number_status`` column gives the PDS status; without it a present NHS
number counts as UNVERIFIED, so it is strong evidence in scoring but never links on its own.
A ``record_id`` of the form ``<source>:<local id>`` (the simulator's truth file) gives the
local id after the colon, so source keys match the stream's. ``truth_id`` is returned beside
the record for scoring the result; the matcher never sees it.

A source system's bad field (an impossible birth date such as ``1856-86-18``, an unknown sex
code or PDS status, an NHS number failing Modulus 11) is read as **missing** and counted in
:class:`InvalidFields` (field name -> count, never the value), so one bad field never stops a
50,000-record run. Only a row without record_id, source or truth_id, or a header without the
required columns, is refused.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from schemas import nhs_number as nhs_numbers
from schemas.records_csv import REQUIRED_COLUMNS
from streams.identity.demographics import Demographics, NhsStatus
from streams.identity.errors import RecordsFileError

__all__ = ["COLUMNS", "InvalidFields", "LabelledRecord", "read_records"]

COLUMNS = REQUIRED_COLUMNS
_STATUSES = frozenset(status.value for status in NhsStatus)
InvalidFields = Counter[str]
"""How many values of each field were invalid and read as missing."""
_SEXES = {
    "M": "MALE",
    "MALE": "MALE",
    "F": "FEMALE",
    "FEMALE": "FEMALE",
    "O": "OTHER",
    "OTHER": "OTHER",
    "U": None,
    "UNKNOWN": None,
    "": None,
}


@dataclass(frozen=True)
class LabelledRecord:
    """A record to match and the truth it is scored against."""

    record_id: str
    truth_id: str
    demographics: Demographics


def _birth_date(raw: str, invalid: InvalidFields) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        invalid["birth_date"] += 1
        return None


def _status(row: dict[str, str], number: str | None, invalid: InvalidFields) -> NhsStatus:
    raw = (row.get("nhs_number_status") or "").strip().upper()
    if raw in _STATUSES:
        return NhsStatus(raw)
    if raw:
        invalid["nhs_number_status"] += 1
    return NhsStatus.UNVERIFIED if number else NhsStatus.ABSENT


def _sex(raw: str, invalid: InvalidFields) -> str | None:
    if raw in _SEXES:
        return _SEXES[raw]
    invalid["sex"] += 1
    return None


def _nhs_number(raw: str, invalid: InvalidFields) -> str | None:
    if raw and not nhs_numbers.is_valid(raw):
        invalid["nhs_number"] += 1
    return raw or None


def _record(row: dict[str, str], line: int, invalid: InvalidFields) -> LabelledRecord:
    if not row.get("record_id") or not row.get("source") or not row.get("truth_id"):
        raise RecordsFileError(f"line {line}: record_id, source and truth_id are required")
    number = _nhs_number((row.get("nhs_number") or "").strip(), invalid)
    demographics = Demographics(
        org=row["source"],
        local_id=row["record_id"],
        nhs_number=number,
        nhs_status=_status(row, number, invalid),
        given_name=row.get("given_name") or None,
        family_name=row.get("family_name") or None,
        birth_date=_birth_date((row.get("birth_date") or "").strip(), invalid),
        sex=_sex((row.get("sex") or "").strip().upper(), invalid),
        postcode=row.get("postcode") or None,
        address=row.get("address") or None,
    )
    return LabelledRecord(row["record_id"], row["truth_id"], demographics)


def read_records(path: Path, invalid: InvalidFields | None = None) -> Iterator[LabelledRecord]:
    """Records in file order. Invalid field values are read as missing and counted in
    ``invalid``; raises RecordsFileError (naming the line) only for a row without its ids or
    a header without the required columns."""
    invalid = Counter() if invalid is None else invalid
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = set(COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise RecordsFileError(f"header: missing columns {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            yield _record(row, line, invalid)
