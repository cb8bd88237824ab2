"""FHIR date, dateTime and instant values as Python dates and timezone-aware UTC datetimes.

Rules (clinical safety first: a wrong time is worse than none):

- a dateTime with a time must carry a zone (FHIR requires it); one without is rejected, we
  never guess the zone;
- a full date without a time (``2015-11-18``) means midnight UTC of that day;
- a year or year-month (``2015``, ``2015-11``) is too coarse for an event time and is rejected
  where a time is required, and read as "no date" where a date is optional;
- timestamps are truncated to milliseconds, the precision of the Avro ``timestamp-millis``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

from producers.fhir.elements import Json
from producers.fhir.errors import MappingError

_DATE_TIME = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?P<fraction>\.\d+)?)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?)?)?)?"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_timestamp(text: str) -> datetime:
    """A FHIR dateTime or instant as an aware UTC datetime; ValueError names the rule broken."""
    match = _DATE_TIME.fullmatch(text.strip())
    if not match:
        raise ValueError("not a FHIR dateTime")
    if match["day"] is None:
        raise ValueError("not precise to a day")
    if match["hour"] is not None and match["zone"] is None:
        raise ValueError("time without a time zone")
    moment = datetime(
        int(match["year"]),
        int(match["month"]),
        int(match["day"]),
        int(match["hour"] or 0),
        int(match["minute"] or 0),
        int(match["second"] or 0),
        _millis(match["fraction"]) * 1000,
        tzinfo=_zone(match["zone"]),
    )
    return moment.astimezone(UTC)


def parse_date(text: str) -> date | None:
    """The calendar date of a FHIR date or dateTime as written (no zone shift), or None when
    it is only a year or year-month; ValueError when it is not a date at all."""
    match = _DATE_TIME.fullmatch(text.strip())
    if not match:
        raise ValueError("not a FHIR date")
    if match["day"] is None:
        return None
    return date(int(match["year"]), int(match["month"]), int(match["day"]))


def timestamp_at(element: Json | None, key: str, path: str) -> datetime | None:
    """The timestamp under ``key`` or None when absent; MappingError (at ``path``) when bad."""
    if not element or not isinstance(element.get(key), str):
        return None
    try:
        return parse_timestamp(element[key])
    except ValueError as exc:
        raise MappingError(f"{path}: {exc}") from exc


def date_at(element: Json | None, key: str, path: str) -> date | None:
    """The calendar date under ``key``, None when absent or partial; MappingError when bad."""
    if not element or not isinstance(element.get(key), str):
        return None
    try:
        return parse_date(element[key])
    except ValueError as exc:
        raise MappingError(f"{path}: {exc}") from exc


def first_timestamp(*candidates: tuple[Json | None, str, str]) -> datetime | None:
    """The first present timestamp among ``(element, key, path)`` candidates; MappingError
    when a present one is malformed (a bad time is never skipped in favour of a later one)."""
    for element, key, path in candidates:
        moment = timestamp_at(element, key, path)
        if moment is not None:
            return moment
    return None


def epoch_millis(moment: datetime) -> int:
    """Milliseconds since the Unix epoch."""
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def _millis(fraction: str | None) -> int:
    return int((fraction or ".0")[1:4].ljust(3, "0"))


def _zone(text: str | None) -> timezone:
    if text is None or text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:3]), int(text[4:6])
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
