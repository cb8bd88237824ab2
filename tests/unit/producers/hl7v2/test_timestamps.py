"""HL7 dates and timestamps -> calendar dates and UTC instants (Europe/London when no offset)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from producers.hl7v2.errors import MappingError
from producers.hl7v2.timestamps import epoch_millis, local_date, parse_date, parse_timestamp


@pytest.mark.parametrize(
    ("raw", "instant"),
    [
        ("20240115093000", datetime(2024, 1, 15, 9, 30, tzinfo=UTC)),  # GMT: UTC+0
        ("20240612093000", datetime(2024, 6, 12, 8, 30, tzinfo=UTC)),  # BST: UTC+1
        ("20240612093000+0000", datetime(2024, 6, 12, 9, 30, tzinfo=UTC)),
        ("198908181126+0215", datetime(1989, 8, 18, 9, 11, tzinfo=UTC)),
        ("20110531140551-0500", datetime(2011, 5, 31, 19, 5, 51, tzinfo=UTC)),
        ("20210817151943.4+0200", datetime(2021, 8, 17, 13, 19, 43, 400000, tzinfo=UTC)),
        ("20150624084727.655-0500", datetime(2015, 6, 24, 13, 47, 27, 655000, tzinfo=UTC)),
        ("2024", datetime(2024, 1, 1, 0, 0, tzinfo=UTC)),
        ("202406", datetime(2024, 5, 31, 23, 0, tzinfo=UTC)),
        ("20240612", datetime(2024, 6, 11, 23, 0, tzinfo=UTC)),
        ("2024061209", datetime(2024, 6, 12, 8, 0, tzinfo=UTC)),
        ("20241027013000", datetime(2024, 10, 27, 0, 30, tzinfo=UTC)),  # repeated hour: BST
        ("20240331013000", datetime(2024, 3, 31, 1, 30, tzinfo=UTC)),  # skipped hour: GMT
    ],
)
def test_timestamps_become_utc(raw: str, instant: datetime) -> None:
    """Offsets are honoured; without one the time is UK local (GMT or BST on that date)."""
    parsed = parse_timestamp(raw, field="MSH-7")
    assert parsed == instant
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "raw", ["", "2024-06-12", "20241312", "20240230", "202406121", "20240612253000", "nope"]
)
def test_malformed_timestamps_name_the_field_not_the_value(raw: str) -> None:
    """A malformed timestamp is a field-level error without the value in it."""
    with pytest.raises(MappingError, match=r"^PID-29: not a valid HL7 date/time$"):
        parse_timestamp(raw, field="PID-29")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("19800229", date(1980, 2, 29)),
        ("198808181126+0215", date(1988, 8, 18)),
        ("20240612233000-0800", date(2024, 6, 12)),
        ("1980", None),
        ("198002", None),
    ],
)
def test_birth_dates_are_calendar_dates(raw: str, expected: date | None) -> None:
    """A date of birth is read as written (no zone shift); year or month precision gives None."""
    assert parse_date(raw, field="PID-7") == expected


@pytest.mark.parametrize("raw", ["19800230", "1980-02-29", "29/02/1980"])
def test_invalid_birth_dates_are_refused(raw: str) -> None:
    """``PID-7: not a valid HL7 date`` for impossible or non-HL7 dates."""
    with pytest.raises(MappingError, match=r"^PID-7: not a valid HL7 date$"):
        parse_date(raw, field="PID-7")


def test_local_date_uses_uk_calendar() -> None:
    """23:30 UTC in summer is already the next day in London."""
    assert local_date(datetime(2024, 6, 12, 23, 30, tzinfo=UTC)) == date(2024, 6, 13)


def test_epoch_millis() -> None:
    """Epoch milliseconds of a known instant."""
    assert epoch_millis(datetime(2024, 6, 12, 8, 30, tzinfo=UTC)) == 1_718_181_000_000


_instants = st.datetimes(
    min_value=datetime(1900, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.just(UTC),
).map(lambda d: d.replace(microsecond=d.microsecond // 100 * 100))
_offsets = st.integers(min_value=-14 * 60, max_value=14 * 60)


@given(_instants, _offsets)
def test_formatted_timestamp_with_offset_parses_to_the_same_instant(
    instant: datetime, offset_minutes: int
) -> None:
    """Writing an instant as HL7 TS with any offset and reading it back gives the instant."""
    local = instant + timedelta(minutes=offset_minutes)
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(offset_minutes), 60)
    raw = local.strftime("%Y%m%d%H%M%S") + f".{local.microsecond // 100:04d}"
    raw += f"{sign}{hours:02d}{minutes:02d}"
    assert parse_timestamp(raw, field="OBX-14") == instant
