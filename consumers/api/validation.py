"""What a request must carry, checked before anything is read. Pure.

Every check raises a :class:`~consumers.api.errors.RequestError` whose ``field`` names the
header, parameter or path segment and whose message states the rule and the expected form.
No message ever repeats the value: a mistyped NHS number or name is still PHI.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from consumers.api.errors import ValidationError
from consumers.api.queries import MAX_RESULT_WINDOW, ValuesFilter
from schemas import nhs_number as nhs

__all__ = [
    "ITEM_TYPES",
    "MAX_PAGE_SIZE",
    "PURPOSES",
    "PURPOSE_HEADER",
    "Page",
    "birth_date",
    "family_name",
    "nhs_number",
    "page",
    "person_id",
    "purpose",
    "record_types",
    "single",
    "subject_of",
]

PURPOSE_HEADER = "X-MCR-Purpose"
#: Why a record may be viewed. The shared care record is for direct care only; planning and
#: research read the de-identified feed, never this service.
PURPOSES = ("direct-care",)
ITEM_TYPES = (
    "result", "medication", "encounter", "condition", "allergy", "immunisation", "procedure",
    "document",
)  # fmt: skip
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
# Patterns are matched with ``fullmatch``: ``$`` would also match before a trailing newline.
_PERSON_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# ASCII digits only (``str.isdigit`` also takes "²", which ``int`` refuses, and "٣", which it
# reads as 3), and few enough for ``int`` (it refuses more than 4300 digits).
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
_NAME_PUNCTUATION = frozenset(" -'.")
_MAX_NAME = 100


@dataclass(frozen=True)
class Page:
    """A 1-based page of ``size`` items per record type, optionally narrowed to one item
    (``item_id``, a document id) or to items that occurred in ``[since, before)`` (ISO dates).
    ``content``: read a document's attached bytes too (only the document content routes do;
    every page leaves them out)."""

    number: int = 1
    size: int = DEFAULT_PAGE_SIZE
    item_id: str | None = None
    since: str | None = None
    before: str | None = None
    only: ValuesFilter | None = None
    content: bool = False


def purpose(raw: str | None) -> str:
    """Why the record is read (an ``X-MCR-Purpose`` value): one of :data:`PURPOSES`.

    Raises ValidationError naming the header when it is missing or not a known purpose.
    """
    given = (raw or "").strip()
    if not given:
        raise ValidationError(f"{PURPOSE_HEADER}: required", field=PURPOSE_HEADER)
    if given not in PURPOSES:
        raise ValidationError(
            f"{PURPOSE_HEADER}: must be one of {', '.join(PURPOSES)}", field=PURPOSE_HEADER
        )
    return given


def single(query: Mapping[str, Sequence[str]], name: str) -> str | None:
    """The one value of query parameter ``name`` (None when absent); raises when repeated."""
    values = query.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise ValidationError(f"{name}: give it once", field=name)
    return values[0]


def subject_of(raw: str) -> tuple[str, ...]:
    """The person a path names, for the audit row: their id, or nothing when ``raw`` is not
    an id (then it may be anything a user typed, so it is not kept)."""
    try:
        return (person_id(raw),)
    except ValidationError:
        return ()


def nhs_number(raw: str) -> str:
    """The normalised NHS number (spaces and dashes removed); raises naming the rule broken."""
    try:
        return nhs.parse(raw)
    except ValueError as exc:
        raise ValidationError(str(exc), field="nhs_number") from exc


def family_name(raw: str) -> str:
    """The trimmed family name: 1-100 letters, spaces, hyphens, apostrophes or full stops."""
    name = " ".join(raw.split())
    allowed = all(ch.isalpha() or ch in _NAME_PUNCTUATION for ch in name)
    if not name or len(name) > _MAX_NAME or not allowed or not any(ch.isalpha() for ch in name):
        raise ValidationError(
            "family_name: expected 1-100 letters, spaces, hyphens or apostrophes",
            field="family_name",
        )
    return name


def birth_date(raw: str, *, today: date) -> str:
    """The birth date as ``YYYY-MM-DD``: a real calendar date, not after ``today``."""
    try:
        if not _ISO_DATE.fullmatch(raw):
            raise ValueError
        parsed = date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(
            "birth_date: not an ISO date (expected YYYY-MM-DD)", field="birth_date"
        ) from None
    if parsed > today:
        raise ValidationError("birth_date: must not be in the future", field="birth_date")
    return parsed.isoformat()


def person_id(raw: str) -> str:
    """A person id as the identity stage issues them (letters, digits, '.', '_', ':', '-')."""
    if not _PERSON_ID.fullmatch(raw):
        raise ValidationError(
            "person_id: expected 1-128 letters, digits, '.', '_', ':' or '-'", field="person_id"
        )
    return raw


def _positive(raw: str | None, name: str, default: int, maximum: int) -> int:
    if raw is None:
        return default
    if not _WHOLE_NUMBER.fullmatch(raw) or not 1 <= int(raw) <= maximum:
        raise ValidationError(f"{name}: expected a whole number from 1 to {maximum}", field=name)
    return int(raw)


def page(query: Mapping[str, Sequence[str]]) -> Page:
    """``page`` (default 1) and ``page_size`` (default 50, at most 100) from the query."""
    size = _positive(single(query, "page_size"), "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    number = _positive(single(query, "page"), "page", 1, MAX_RESULT_WINDOW // size)
    return Page(number, size)


def record_types(query: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """The record types asked for: ``type`` if given (one of :data:`ITEM_TYPES`), else all."""
    wanted = single(query, "type")
    if wanted is None:
        return ITEM_TYPES
    if wanted not in ITEM_TYPES:
        raise ValidationError(f"type: must be one of {', '.join(ITEM_TYPES)}", field="type")
    return (wanted,)
