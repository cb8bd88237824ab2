"""FHIR date and time parsing: zones, precision and the rejections that keep times honest."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from producers.fhir.errors import MappingError
from producers.fhir.times import (
    epoch_millis,
    first_timestamp,
    parse_date,
    parse_timestamp,
    timestamp_at,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T09:30:00+01:00", datetime(2024, 5, 1, 8, 30, tzinfo=UTC)),
        ("2024-05-01T09:30:00Z", datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),
        ("2024-05-01T09:30:00.123456Z", datetime(2024, 5, 1, 9, 30, 0, 123000, tzinfo=UTC)),
        ("2011-05-20T15:44:30.88-05:00", datetime(2011, 5, 20, 20, 44, 30, 880000, tzinfo=UTC)),
        ("2024-05-01T23:30:00-02:00", datetime(2024, 5, 2, 1, 30, tzinfo=UTC)),
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
        ("2016-06-23T17:02Z", datetime(2016, 6, 23, 17, 2, tzinfo=UTC)),
    ],
)
def test_timestamps_become_utc_millis(text: str, expected: datetime) -> None:
    """Zoned dateTimes convert to UTC, truncated to milliseconds; a bare date is UTC midnight."""
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("2024-05-01T09:30:00", "time without a time zone"),
        ("2024", "not precise to a day"),
        ("2024-05", "not precise to a day"),
        ("01/05/2024", "not a FHIR dateTime"),
        ("2024-13-01", "month must be in 1..12"),
    ],
)
def test_bad_timestamps_are_refused(text: str, rule: str) -> None:
    """A time we would have to guess (no zone, no day) or that is malformed is refused."""
    with pytest.raises(ValueError, match=rule):
        parse_timestamp(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1980-02-29", date(1980, 2, 29)),
        ("2015-01-15T00:00:00+10:00", date(2015, 1, 15)),
        ("1974-12", None),
        ("1974", None),
    ],
)
def test_dates_keep_the_written_day(text: str, expected: date | None) -> None:
    """Dates are read as written (no zone shift); partial dates are no date, not a guess."""
    assert parse_date(text) == expected


def test_timestamp_at_names_the_field_not_the_value() -> None:
    """A malformed time is reported by path and rule; the value itself never appears."""
    with pytest.raises(MappingError, match=r"^Patient.deceasedDateTime: not a FHIR dateTime$"):
        timestamp_at(
            {"deceasedDateTime": "last tuesday"}, "deceasedDateTime", "Patient.deceasedDateTime"
        )


def test_first_timestamp_does_not_skip_a_bad_time() -> None:
    """A malformed earlier candidate is an error, not a reason to fall through to a later one."""
    element = {"effectiveDateTime": "2024-05-01T09:30", "issued": "2024-05-01T12:00:00Z"}
    with pytest.raises(MappingError, match="effectiveDateTime: time without a time zone"):
        first_timestamp(
            (element, "effectiveDateTime", "Observation.effectiveDateTime"),
            (element, "issued", "Observation.issued"),
        )


def test_epoch_millis_is_exact() -> None:
    """Epoch milliseconds use integer arithmetic (no float rounding)."""
    assert epoch_millis(datetime(2024, 5, 1, 9, 30, 0, 999000, tzinfo=UTC)) == 1714555800999
