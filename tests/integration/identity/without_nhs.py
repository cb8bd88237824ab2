"""A records CSV with the NHS numbers of a share of sources removed (test and evaluation
helper): the synthetic region as social care, urgent care unknowns and old systems see it.

A source (organisation) loses every number when a stable hash of its code falls below the
share, so whole systems go without, as in the issue. Run
``python -m tests.integration.identity.without_nhs IN.csv OUT.csv 0.5`` (share 1.0: none left).
"""

from __future__ import annotations

import csv
import hashlib
import sys
from pathlib import Path

from schemas.records_csv import NHS_NUMBER_STATUS_COLUMN


def _without(source: str, share: float) -> bool:
    digest = hashlib.blake2b(source.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < share


def strip(source: Path, destination: Path, share: float) -> Path:
    """Copy ``source`` to ``destination`` without the NHS numbers of ``share`` of sources."""
    with (
        source.open(newline="", encoding="utf-8") as src,
        destination.open("w", newline="", encoding="utf-8") as dst,
    ):
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, fieldnames=list(reader.fieldnames or ()))
        writer.writeheader()
        for row in reader:
            if _without(row["source"], share):
                row["nhs_number"] = ""
                if NHS_NUMBER_STATUS_COLUMN in row:
                    row[NHS_NUMBER_STATUS_COLUMN] = ""
            writer.writerow(row)
    return destination


if __name__ == "__main__":
    print(strip(Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])))
