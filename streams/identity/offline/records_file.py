"""The records CSV read by ``link-eval`` and ``train``.

Header: ``record_id,source,truth_id,nhs_number,given_name,family_name,birth_date,sex,postcode,
address`` (``birth_date`` is YYYY-MM-DD; every field but record_id, source and truth_id may be
empty). An optional ``nhs_number_status`` column gives the PDS status; without it a present NHS
number counts as UNVERIFIED, so it is strong evidence in scoring but never links on its own.
A ``record_id`` of the form ``<source>:<local id>`` (the simulator's truth file) gives the
local id after the colon, so source keys match the stream's. ``truth_id`` is returned beside
the record for scoring the result; the matcher never sees it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from schemas.records_csv import REQUIRED_COLUMNS
from streams.identity.demographics import Demographics, NhsStatus
from streams.identity.errors import RecordsFileError

__all__ = ["COLUMNS", "LabelledRecord", "read_records"]

COLUMNS = REQUIRED_COLUMNS
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


def _birth_date(raw: str, line: int) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise RecordsFileError(f"line {line}, birth_date: not YYYY-MM-DD") from exc


def _status(row: dict[str, str], line: int) -> NhsStatus:
    raw = (row.get("nhs_number_status") or "").strip().upper()
    if raw:
        try:
            return NhsStatus(raw)
        except ValueError as exc:
            raise RecordsFileError(f"line {line}, nhs_number_status: not a PDS status") from exc
    return NhsStatus.UNVERIFIED if row.get("nhs_number") else NhsStatus.ABSENT


def _record(row: dict[str, str], line: int) -> LabelledRecord:
    if not row.get("record_id") or not row.get("source") or not row.get("truth_id"):
        raise RecordsFileError(f"line {line}: record_id, source and truth_id are required")
    sex = (row.get("sex") or "").strip().upper()
    if sex not in _SEXES:
        raise RecordsFileError(f"line {line}, sex: expected M, F, O, U or empty")
    demographics = Demographics(
        org=row["source"],
        local_id=row["record_id"],
        nhs_number=row.get("nhs_number") or None,
        nhs_status=_status(row, line),
        given_name=row.get("given_name") or None,
        family_name=row.get("family_name") or None,
        birth_date=_birth_date((row.get("birth_date") or "").strip(), line),
        sex=_SEXES[sex],
        postcode=row.get("postcode") or None,
        address=row.get("address") or None,
    )
    return LabelledRecord(row["record_id"], row["truth_id"], demographics)


def read_records(path: Path) -> Iterator[LabelledRecord]:
    """Records in file order; raises RecordsFileError naming the line and field."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = set(COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise RecordsFileError(f"header: missing columns {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            yield _record(row, line)
