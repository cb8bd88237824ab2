"""A records CSV with fields blanked at random (test and evaluation helper): the region as a
dedupe set with heavy missingness, to stand in for the issue's hidden namesake-heavy set.

Each field of each record is blanked when a stable hash of (record id, field) falls below the
field's share, so the same file always comes out. Shares: birth date 0.2, sex 0.2, postcode
0.3, address 0.3, given name 0.05 (names are what such systems keep). Run
``python -m tests.integration.identity.sparse IN.csv OUT.csv``.
"""

from __future__ import annotations

import csv
import hashlib
import sys
from pathlib import Path

SHARES = {"birth_date": 0.2, "sex": 0.2, "postcode": 0.3, "address": 0.3, "given_name": 0.05}


def _blank(record_id: str, field: str, share: float) -> bool:
    digest = hashlib.blake2b(f"{record_id}:{field}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < share


def blank(source: Path, destination: Path) -> Path:
    """Copy ``source`` to ``destination`` with :data:`SHARES` of each field blanked."""
    with (
        source.open(newline="", encoding="utf-8") as src,
        destination.open("w", newline="", encoding="utf-8") as dst,
    ):
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, fieldnames=list(reader.fieldnames or ()))
        writer.writeheader()
        for row in reader:
            for field, share in SHARES.items():
                if _blank(row["record_id"], field, share):
                    row[field] = ""
            writer.writerow(row)
    return destination


if __name__ == "__main__":
    print(blank(Path(sys.argv[1]), Path(sys.argv[2])))
