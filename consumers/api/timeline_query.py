"""What a timeline request may ask, and the one OpenSearch body it becomes. Pure.

A request's parameters are parsed into :class:`TimelineQuery` (pydantic, every field bounded);
the body is built from that model only, so nothing a user types reaches OpenSearch as query
syntax: free text is the ``query`` of a ``multi_match`` (analysed as plain words, never parsed
for operators, fields or wildcards), a code is matched as one exact keyword, and types,
organisations and dates are ``terms`` and ``range`` filters of validated values. There is no
``query_string`` or ``simple_query_string`` anywhere in this service.

The fields searched are named by suffix (``*.display``: every coded field of every record
type, built by the projection's ``_code()`` mapping), so a record type added to the projection
is searched without a change here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Annotated, Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from consumers.api.errors import ValidationError
from consumers.api.queries import MAX_RESULT_WINDOW, NEWEST_FIRST, NOT_SHOWN
from consumers.api.validation import single
from projections.record.queries import visible_items

__all__ = [
    "CODE_FIELDS",
    "MAX_ORGS",
    "MAX_TEXT",
    "TEXT_FIELDS",
    "TimelineQuery",
    "parse_timeline_query",
    "timeline_body",
]

MAX_TEXT = 200
MAX_ORGS = 20
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
#: Item text searched by free text: coded displays of every type, then the free-text fields
#: the projection keeps (a pattern that matches no field of the index is ignored).
TEXT_FIELDS = (
    "*.display", "*.value_text", "*.reference_text", "*.dose_text", "*.frequency",
    "*.service", "*.location", "*.site", "*.title", "*.description",
)  # fmt: skip
#: Every code of every coded field (``result.code.code``, ``medication.medication.code``, ...).
CODE_FIELDS = ("*.code",)
_PARAMETERS = ("text", "code", "type", "org", "from", "to", "page", "page_size")
_FIELD_RULES = {
    "text": f"expected 1-{MAX_TEXT} characters of text",
    "code": "expected 1-64 letters, digits, '.', '-' or '_'",
    "type": "expected record types separated by commas, each one of {types}",
    "org": f"expected 1-{MAX_ORGS} ODS codes (3-10 capital letters or digits) separated by commas",
    "from": "expected an ISO date (YYYY-MM-DD) not after 'to'",
    "to": "expected an ISO date (YYYY-MM-DD) not before 'from'",
    "page": "expected a whole number from 1 (from + size within 10,000 items)",
    "page_size": f"expected a whole number from 1 to {MAX_PAGE_SIZE}",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ODS = r"^[A-Z0-9]{3,10}$"
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
_Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
_Org = Annotated[str, StringConstraints(pattern=_ODS)]


class TimelineQuery(BaseModel):
    """A validated timeline request: every filter optional, the page bounded."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)] | None = None
    code: _Code | None = None
    types: tuple[str, ...] = Field(default=(), alias="type")
    orgs: tuple[_Org, ...] = Field(default=(), alias="org", max_length=MAX_ORGS)
    since: date | None = Field(default=None, alias="from")
    until: date | None = Field(default=None, alias="to")
    page: int = Field(default=1, ge=1, le=MAX_RESULT_WINDOW)
    page_size: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)

    @field_validator("since", "until", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> object:
        # Only YYYY-MM-DD: pydantic alone would also read a number as a Unix time.
        if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
            raise ValueError("not an ISO date")
        return value

    @field_validator("page", "page_size", mode="before")
    @classmethod
    def _whole_number(cls, value: object) -> object:
        # ASCII digits only, few enough for int (as validation.page reads them).
        if isinstance(value, str) and not _WHOLE_NUMBER.fullmatch(value):
            raise ValueError("not a whole number")
        return value

    @field_validator("text")
    @classmethod
    def _plain_text(cls, value: str | None) -> str | None:
        if value is None:
            return None
        words = " ".join(value.split())
        if not words or _CONTROL.search(words):
            raise ValueError("not plain text")
        return words

    @field_validator("types")
    @classmethod
    def _distinct(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(value))

    @pydantic.model_validator(mode="after")
    def _bounds(self) -> TimelineQuery:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ValueError("from after to")
        if self.page * self.page_size > MAX_RESULT_WINDOW:
            raise ValueError("page beyond the result window")
        return self

    @property
    def before(self) -> date | None:
        """The exclusive end of the date range (the day after ``until``)."""
        return None if self.until is None else self.until + timedelta(days=1)


def _listed(raw: str | None) -> list[str] | None:
    return None if raw is None else [part.strip() for part in raw.split(",") if part.strip()]


def _field_of(error: Mapping[str, Any]) -> str:
    location = error.get("loc") or ()
    name = str(location[0]) if location else ""
    return {"types": "type", "orgs": "org", "since": "from", "until": "to"}.get(name, name)


def parse_timeline_query(
    query: Mapping[str, Sequence[str]], *, record_types: Sequence[str]
) -> TimelineQuery:
    """The timeline parameters of ``query``; ``type`` must name some of ``record_types``.

    Raises ValidationError naming the first parameter at fault and its rule (never its value);
    an unknown parameter is refused too (a misspelt filter would silently show everything).
    """
    unknown = sorted(set(query) - set(_PARAMETERS))
    if unknown:
        raise ValidationError(
            f"unknown parameter: expected only {', '.join(_PARAMETERS)}", field="query"
        )
    raw: dict[str, Any] = {name: single(query, name) for name in _PARAMETERS}
    raw["type"], raw["org"] = _listed(raw["type"]), _listed(raw["org"])
    given = {name: value for name, value in raw.items() if value is not None}
    if any(t not in record_types for t in given.get("type", ())):
        rule = _FIELD_RULES["type"].format(types=", ".join(record_types))
        raise ValidationError(f"type: {rule}", field="type")
    try:
        return TimelineQuery.model_validate(given)
    except pydantic.ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        name = _field_of(errors[0]) if errors else ""
        # A whole-model rule (dates, page window) names no field: the message says which.
        field = name or ("from" if "from after to" in str(errors[0].get("msg")) else "page")
        rule = _FIELD_RULES.get(field, "invalid").format(types=", ".join(record_types))
        raise ValidationError(f"{field}: {rule}", field=field) from None


def timeline_body(
    person_id: str, query: TimelineQuery, record_types: Sequence[str]
) -> dict[str, Any]:
    """One page of the person's live items of ``record_types`` (already narrowed to what the
    acting role may see and what was asked) that match ``query``, newest first, with the exact
    total of such items (before consent at read)."""
    filters: list[dict[str, Any]] = [
        visible_items(person_id),
        {"terms": {"record_type": list(record_types)}},
    ]
    if query.orgs:
        filters.append({"terms": {"org": list(query.orgs)}})
    if query.since is not None or query.before is not None:
        bounds = {"gte": query.since, "lt": query.before}
        dates = {k: v.isoformat() for k, v in bounds.items() if v is not None}
        filters.append({"range": {"occurred_at": dates}})
    if query.code is not None:
        filters.append({"multi_match": {"query": query.code, "fields": list(CODE_FIELDS),
                                        "lenient": True}})  # fmt: skip
    must: list[dict[str, Any]] = []
    if query.text is not None:
        must.append({"multi_match": {"query": query.text, "fields": list(TEXT_FIELDS),
                                     "type": "best_fields", "operator": "and",
                                     "lenient": True}})  # fmt: skip
    return {
        "from": (query.page - 1) * query.page_size,
        "size": query.page_size,
        "track_total_hits": True,
        "query": {"bool": {"filter": filters, "must": must}},
        "sort": NEWEST_FIRST,
        "_source": {"excludes": NOT_SHOWN},
    }
