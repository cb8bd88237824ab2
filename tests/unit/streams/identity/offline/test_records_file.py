"""Reading the link-eval / training records CSV."""

from __future__ import annotations

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


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("r1,GP1,t1,,,,07/03/1984,,,", "line 2, birth_date: not YYYY-MM-DD"),
        ("r1,GP1,,,,,,,,", "line 2: record_id, source and truth_id are required"),
        ("r1,GP1,t1,,,,,X,,", "line 2, sex: expected M, F, O, U or empty"),
    ],
)
def test_bad_rows_name_line_and_field(tmp_path: Path, line: str, message: str) -> None:
    """A bad row is refused with its line and field, never its value."""
    with pytest.raises(RecordsFileError, match=message):
        list(read_records(_write(tmp_path, line)))


def test_missing_columns(tmp_path: Path) -> None:
    """A header without the required columns is refused."""
    with pytest.raises(RecordsFileError, match="missing columns address"):
        list(read_records(_write(tmp_path, header=HEADER.replace(",address", ""))))
