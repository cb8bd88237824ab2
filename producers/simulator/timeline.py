"""The simulated calendar: a fixed "now", the history window, and random moments within it.

"Now" is fixed rather than read from the clock, so the same seed gives the same bytes on any
day. Every moment has whole-second precision (Avro timestamps keep milliseconds) and is UTC.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

AS_OF = datetime(2025, 6, 30, 18, 0, tzinfo=UTC)
"""The simulated present: nothing happens after it."""
HISTORY_START = datetime(2020, 7, 1, tzinfo=UTC)
"""Clinical histories cover the five years before :data:`AS_OF`."""


def age_on(birth: date, day: date) -> int:
    """Whole years between ``birth`` and ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def at_midnight(day: date) -> datetime:
    """The start of ``day`` in UTC."""
    return datetime.combine(day, time(), tzinfo=UTC)


def random_moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A whole-second moment in ``[start, end]`` (``start`` when the span is empty)."""
    span = int((end - start).total_seconds())
    return start + timedelta(seconds=rng.randint(0, span)) if span > 0 else start


def working_hours(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A moment between ``start`` and ``end`` moved into 08:00-18:00 on its day when possible."""
    moment = random_moment(rng, start, end)
    office = datetime.combine(moment.date(), time(8), tzinfo=UTC)
    shifted = office + timedelta(seconds=rng.randint(0, 10 * 3600))
    return shifted if start <= shifted <= end else moment


def later(rng: random.Random, moment: datetime, *, low_s: int, high_s: int) -> datetime:
    """``moment`` plus a random whole number of seconds in ``[low_s, high_s]``, capped at now."""
    return min(moment + timedelta(seconds=rng.randint(low_s, high_s)), AS_OF)
