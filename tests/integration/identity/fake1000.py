"""Convert Splink's fake_1000.csv into the link-eval records format (test helper).

``unique_id -> record_id``, ``cluster -> truth_id``, ``first_name/surname/dob``, ``city ->
address``; email has no column in the format and is dropped; there are no NHS numbers, sexes or
postcodes. Run ``python -m tests.integration.identity.fake1000 OUT.csv`` to write the file.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from streams.identity.offline.records_file import COLUMNS

SOURCE = (
    Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "linkage" / "fake_1000.csv"
)


def convert(destination: Path, source: Path = SOURCE) -> Path:
    """Write fake_1000 as a records CSV at ``destination`` and return it."""
    with (
        source.open(newline="", encoding="utf-8") as src,
        destination.open("w", newline="", encoding="utf-8") as dst,
    ):
        writer = csv.DictWriter(dst, fieldnames=COLUMNS)
        writer.writeheader()
        for row in csv.DictReader(src):
            writer.writerow(
                {
                    "record_id": row["unique_id"],
                    "source": "fake_1000",
                    "truth_id": row["cluster"],
                    "nhs_number": "",
                    "given_name": row["first_name"],
                    "family_name": row["surname"],
                    "birth_date": row["dob"],
                    "sex": "",
                    "postcode": "",
                    "address": row["city"],
                }
            )
    return destination


if __name__ == "__main__":
    print(convert(Path(sys.argv[1])))
