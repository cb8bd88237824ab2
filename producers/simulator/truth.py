"""The ground-truth file: which person each organisation record really belongs to.

One CSV row per (organisation, local patient id) demographic record, with exactly the header
:data:`TRUTH_HEADER`. ``record_id`` is ``<org>:<local id>`` (the source topic key), ``truth_id``
the person's true id, and the other fields are what that organisation holds now (its latest
version): given names joined by spaces, birth date ``YYYY-MM-DD``, sex ``M``/``F``/``U``,
address lines joined by ``", "``; empty where the organisation has nothing. The last column,
``nhs_number_status``, is the PDS status the organisation recorded with the number
(``VERIFIED``, ``UNVERIFIED``, ``TRACE_REQUIRED`` or ``ABSENT``), as real GP and hospital feeds
carry it. The identity team's ``mcr link-eval --records FILE.csv`` reads this format.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from typing import TextIO

from producers.simulator.people import Person
from producers.simulator.records import OrgRecord
from schemas.records_csv import ALL_COLUMNS

TRUTH_HEADER = ALL_COLUMNS
_SEX_LETTER = {"MALE": "M", "FEMALE": "F", "UNKNOWN": "U"}


@dataclass(frozen=True)
class TruthRow:
    """One row of the truth file (every field a string, empty when missing)."""

    record_id: str
    source: str
    truth_id: str
    nhs_number: str
    given_name: str
    family_name: str
    birth_date: str
    sex: str
    postcode: str
    address: str
    nhs_number_status: str


def truth_row(person: Person, record: OrgRecord) -> TruthRow:
    """What ``record`` holds now, labelled with the person it truly belongs to."""
    held = record.current
    org = record.membership.org.code
    return TruthRow(
        record_id=f"{org}:{record.local_id}",
        source=org,
        truth_id=person.truth_id,
        nhs_number=record.nhs_number or "",
        given_name=" ".join(held.given_names),
        family_name=held.family_name or "",
        birth_date=held.birth_date.isoformat() if held.birth_date else "",
        sex=_SEX_LETTER.get(held.sex, ""),
        postcode=held.address.postcode if held.address else "",
        address=", ".join(held.address.lines) if held.address else "",
        nhs_number_status=record.nhs_status,
    )


class TruthWriter:
    """Writes the header once, then rows as they come (nothing is held in memory)."""

    def __init__(self, stream: TextIO) -> None:
        self._writer = csv.writer(stream, lineterminator="\n")
        self._writer.writerow(TRUTH_HEADER)
        self.rows = 0

    def write(self, rows: Iterable[TruthRow]) -> None:
        """Append ``rows`` to the file."""
        for row in rows:
            self._writer.writerow(astuple(row))
            self.rows += 1
