"""HL7 v2 dates and timestamps (DT, TS, DTM) -> ``date`` and timezone-aware UTC ``datetime``.

A timestamp is ``YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]``; missing parts default to
their start (``2024`` is 1 January 2024, 00:00). With an offset the time is converted to UTC
exactly. Without one, the sender is assumed to be in England: the time is read as
Europe/London local time (GMT or BST on that date) and converted to UTC. In the hour that
repeats when clocks go back, the first (BST) reading is used; a time in the hour that is
skipped when clocks go forward is read with the offset in force before the change. Only the
first component is read (older TS values carry a degree of precision after ``^``).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from producers.hl7v2.errors import MappingError

LOCAL_ZONE = ZoneInfo("Europe/London")

_TS = re.compile(
    r"(?P<year>\d{4})(?:(?P<month>\d{2})(?:(?P<day>\d{2})(?:(?P<hour>\d{2})"
    r"(?:(?P<minute>\d{2})(?:(?P<second>\d{2})(?:\.(?P<fraction>\d{1,4}))?)?)?)?)?)?"
    r"(?P<offset>[+-]\d{4})?"
)
_DATE = re.compile(r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})")


def parse_timestamp(value: str, *, field: str) -> datetime:
    """The UTC instant of an HL7 timestamp; raises MappingError naming ``field`` if malformed."""
    match = _TS.fullmatch(value.strip())
    if match is None:
        raise MappingError(field, "not a valid HL7 date/time")
    parts = match.groupdict()
    try:
        local = datetime(
            int(parts["year"]),
            int(parts["month"] or 1),
            int(parts["day"] or 1),
            int(parts["hour"] or 0),
            int(parts["minute"] or 0),
            int(parts["second"] or 0),
            int((parts["fraction"] or "0").ljust(6, "0")),
        )
    except ValueError as exc:
        raise MappingError(field, "not a valid HL7 date/time") from exc
    return _to_utc(local, parts["offset"])


def _to_utc(local: datetime, offset: str | None) -> datetime:
    if offset is None:
        return local.replace(tzinfo=LOCAL_ZONE).astimezone(UTC)
    sign = -1 if offset[0] == "-" else 1
    delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
    return local.replace(tzinfo=timezone(sign * delta)).astimezone(UTC)


def parse_date(value: str, *, field: str) -> date | None:
    """The calendar date of an HL7 DT/TS as written (no time-zone shift).

    A date of birth is a calendar date, not an instant, so ``19880818112600+0215`` is
    18 August 1988 whatever the offset. A value precise only to the year or month is valid
    HL7 but names no day: it gives None rather than an invented day. Raises MappingError
    naming ``field`` when the value is not an HL7 date.
    """
    text = value.strip()
    if _TS.fullmatch(text) is None:
        raise MappingError(field, "not a valid HL7 date")
    match = _DATE.match(text)
    if match is None:
        return None
    try:
        return date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError as exc:
        raise MappingError(field, "not a valid HL7 date") from exc


def local_date(instant: datetime) -> date:
    """The Europe/London calendar date of a UTC instant (for medication start/end dates)."""
    return instant.astimezone(LOCAL_ZONE).date()


def epoch_millis(instant: datetime) -> int:
    """Milliseconds since the Unix epoch of an aware datetime."""
    return int((instant - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1))
