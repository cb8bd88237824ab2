"""Reading the link-eval / training records CSV."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from streams.identity.demographics import NhsStatus
from streams.identity.errors import RecordsFileError
from streams.identity.offline.records_file import read_records

HEADER = (
    "record_id,source,truth_id,nhs_number,given_name,family_name,birth_date,sex,postcode,address"
)


def _write(tmp_path: Path, *lines: str, header: str = HEADER) -> Path:
    path = tmp_path / "records.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def test_reads_a_full_row(tmp_path: Path) -> None:
    """Every column maps onto the demographics; a present NHS number counts as UNVERIFIED."""
    path = _write(tmp_path, "r1,GP1,t1,9990000026,Anna,Kowalski,1984-03-07,F,LU1 2AB,12 High St")
    (row,) = read_records(path)
    d = row.demographics
    assert (row.record_id, row.truth_id, d.org, d.local_id) == ("r1", "t1", "GP1", "r1")
    assert (d.nhs_status, d.birth_date, d.sex) == (NhsStatus.UNVERIFIED, date(1984, 3, 7), "FEMALE")


def test_empty_fields_are_missing(tmp_path: Path) -> None:
    """Empty optional fields become None, and no NHS number means status ABSENT."""
    (row,) = read_records(_write(tmp_path, "r1,GP1,t1,,,,,,,"))
    assert row.demographics.nhs_status is NhsStatus.ABSENT
    assert not row.demographics.has_demographics


def test_optional_status_column(tmp_path: Path) -> None:
    """An nhs_number_status column, when present, gives the PDS status."""
    path = _write(
        tmp_path, "r1,GP1,t1,9990000026,,,,,,,VERIFIED", header=HEADER + ",nhs_number_status"
    )
    (row,) = read_records(path)
    assert row.demographics.nhs_status is NhsStatus.VERIFIED


def test_row_without_ids_is_refused(tmp_path: Path) -> None:
    """A row without its ids is refused with its line, never a value."""
    with pytest.raises(RecordsFileError, match="line 2: record_id, source and truth_id"):
        list(read_records(_write(tmp_path, "r1,GP1,,,,,,,,")))


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("r1,GP1,t1,,Ann,Lee,1856-86-18,F,,", "birth_date"),
        ("r1,GP1,t1,,Ann,Lee,07/03/1984,F,,", "birth_date"),
        ("r1,GP1,t1,,Ann,Lee,1984-03-07,X,,", "sex"),
        ("r1,GP1,t1,1234567890,Ann,Lee,1984-03-07,F,,", "nhs_number"),
    ],
)
def test_invalid_field_is_missing_and_counted(tmp_path: Path, line: str, field: str) -> None:
    """A source system's bad field is read as missing, counted by name, and the row is kept
    (issue 13: one impossible birth date must not stop a 50,000-record run)."""
    invalid: Counter[str] = Counter()
    path = _write(tmp_path, f"{line}\nr2,GP1,t2,,Bo,Lee,1990-01-02,M,,")
    rows = list(read_records(path, invalid))
    assert [r.record_id for r in rows] == ["r1", "r2"]
    assert invalid == Counter({field: 1})
    assert rows[0].demographics.given_name == "Ann"
    assert rows[0].demographics.valid_nhs_number is None
    if field == "birth_date":
        assert rows[0].demographics.birth_date is None
    if field == "sex":
        assert rows[0].demographics.sex is None


def test_unknown_status_is_counted(tmp_path: Path) -> None:
    """An unknown PDS status is counted and the number read as UNVERIFIED (never verified)."""
    invalid: Counter[str] = Counter()
    path = _write(tmp_path, "r1,GP1,t1,9990000026,,,,,,,SURE", header=HEADER + ",nhs_number_status")
    (row,) = read_records(path, invalid)
    assert row.demographics.nhs_status is NhsStatus.UNVERIFIED
    assert invalid == Counter({"nhs_number_status": 1})


def test_missing_columns(tmp_path: Path) -> None:
    """A header without the required columns is refused."""
    with pytest.raises(RecordsFileError, match="missing columns address"):
        list(read_records(_write(tmp_path, header=HEADER.replace(",address", ""))))
