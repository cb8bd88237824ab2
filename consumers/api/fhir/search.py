"""FHIR search parameters, page tokens, searchset Bundles and OperationOutcomes. Pure.

Every parameter is validated into a typed :class:`ItemSearch` before anything is read: only
its validated values ever reach a query. A ``next`` link carries no search parameters, only an
opaque ``_page_token``: the whole search (person, dates, count, page number) as base64url JSON,
decoded and validated again field by field, exactly like a first request (it is validated
rather than signed: changing it can only ask for another search the user could have asked
for). Messages name the parameter and the rule, never the value.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from typing import Any

from consumers.api import validation
from consumers.api.errors import ValidationError
from consumers.api.queries import MAX_RESULT_WINDOW, ValuesFilter
from consumers.api.validation import Page

__all__ = [
    "DEFAULT_COUNT",
    "MAX_COUNT",
    "PAGE_TOKEN",
    "ItemSearch",
    "TokenParam",
    "issue_code",
    "item_search",
    "operation_outcome",
    "page_token",
    "patient_reference",
    "searchset",
]

Query = Mapping[str, Sequence[str]]
Json = dict[str, Any]
PAGE_TOKEN = "_page_token"  # noqa: S105 - a parameter's name, not a secret
DEFAULT_COUNT = 50
MAX_COUNT = 100
_PREFIXES = ("eq", "ge", "gt", "le", "lt")
_MAX_TOKEN = 2048
_ISSUE_CODES = {
    400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported",
    413: "too-costly", 429: "throttled", 503: "transient",
}  # fmt: skip


@dataclass(frozen=True)
class TokenParam:
    """A token search parameter (``category``) over one indexed field: the codes of one FHIR
    code system, each standing for one stored value. ``missing_means``: the stored value of a
    document without the field."""

    name: str
    system: str
    field: str
    codes: Mapping[str, str]
    """FHIR code -> stored value."""
    missing_means: str | None = None

    def parse(self, raw: str) -> tuple[str, ...]:
        """The stored values of ``code``, ``system|code`` or ``|code`` tokens, comma-separated
        (any of them). Raises ValidationError naming the parameter and the codes it knows."""
        wanted: set[str] = set()
        for token in raw.split(","):
            system, bar, code = token.rpartition("|")
            if bar and system not in ("", self.system):
                raise ValidationError(f"{self.name}: the system must be {self.system}",
                                      field=self.name)  # fmt: skip
            if code not in self.codes:
                known = ", ".join(self.codes)
                raise ValidationError(f"{self.name}: expected one of {known}", field=self.name)
            wanted.add(self.codes[code])
        return tuple(sorted(wanted))

    def tokens(self, values: Sequence[str]) -> str:
        """The parameter value that asks for the stored ``values`` (for page tokens)."""
        return ",".join(code for code, value in self.codes.items() if value in values)

    def only(self, values: Sequence[str]) -> ValuesFilter | None:
        return ValuesFilter(self.field, tuple(values), self.missing_means) if values else None


@dataclass(frozen=True)
class ItemSearch:
    """A validated search of one person's items of one type (or of everything)."""

    person_id: str
    count: int = DEFAULT_COUNT
    page: int = 1
    since: str | None = None
    before: str | None = None
    category: tuple[str, ...] = ()
    """Stored values of the type's ``category`` parameter (none: every category)."""

    def as_page(self, token: TokenParam | None = None, *, item_id: str | None = None) -> Page:
        """The record reader's page for this search (``token``: its category parameter)."""
        only = token.only(self.category) if token else None
        return Page(self.page, self.count, item_id=item_id, since=self.since,
                    before=self.before, only=only)  # fmt: skip

    def next_page(self) -> ItemSearch:
        return replace(self, page=self.page + 1)


def patient_reference(raw: str, name: str) -> str:
    """The person id of ``Patient/<id>`` or ``<id>`` (raises naming ``name``)."""
    bare = raw.removeprefix("Patient/")
    try:
        return validation.person_id(bare)
    except ValidationError:
        raise ValidationError(f"{name}: expected Patient/<id>", field=name) from None


def _count(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_COUNT
    if not raw.isascii() or not raw.isdigit() or len(raw) > 3 or not 1 <= int(raw) <= MAX_COUNT:
        raise ValidationError(f"_count: expected a whole number from 1 to {MAX_COUNT}",
                              field="_count")  # fmt: skip
    return int(raw)


def _day(raw: str, name: str) -> tuple[str, date]:
    prefix, value = (raw[:2], raw[2:]) if raw[:2] in _PREFIXES else ("eq", raw)
    try:
        if len(value) != 10 or not value.isascii():
            raise ValueError
        return prefix, date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            f"{name}: expected YYYY-MM-DD, optionally after eq, ge, gt, le or lt", field=name
        ) from None


def _dates(values: Sequence[str], name: str) -> tuple[str | None, str | None]:
    """``[since, before)`` of up to two ``date`` values (each bound given at most once)."""
    if len(values) > 2:
        raise ValidationError(f"{name}: give at most a lower and an upper bound", field=name)
    since: date | None = None
    before: date | None = None
    for raw in values:
        prefix, day = _day(raw, name)
        low = {"eq": day, "ge": day, "gt": day + timedelta(days=1)}.get(prefix)
        high = {"eq": day + timedelta(days=1), "le": day + timedelta(days=1), "lt": day}.get(prefix)
        if (low and since) or (high and before):
            raise ValidationError(f"{name}: each bound at most once", field=name)
        since, before = low or since, high or before
    if since and before and since >= before:
        raise ValidationError(f"{name}: the range is empty", field=name)
    return (since.isoformat() if since else None, before.isoformat() if before else None)


def _window(search: ItemSearch) -> ItemSearch:
    if search.page * search.count > MAX_RESULT_WINDOW:
        raise ValidationError(f"{PAGE_TOKEN}: beyond the last page that can be read",
                              field=PAGE_TOKEN)  # fmt: skip
    return search


def item_search(
    query: Query, *, date_param: str | None, category: TokenParam | None = None
) -> ItemSearch:
    """The search ``query`` asks for: ``patient`` or ``subject`` (one of them, once),
    ``date_param`` (up to two prefixed dates), ``category`` (once, codes comma-separated),
    ``_count``; or only a ``_page_token``. Raises ValidationError naming the parameter; unknown
    parameters are refused (a server must not silently ignore what it cannot honour)."""
    if PAGE_TOKEN in query:
        if len(query) > 1:
            raise ValidationError(f"{PAGE_TOKEN}: give it alone", field=PAGE_TOKEN)
        token = validation.single(query, PAGE_TOKEN) or ""
        return _window(_from_token(token, date_param, category))
    allowed = {"patient", "subject", "_count", *([date_param] if date_param else []),
               *([category.name] if category else [])}  # fmt: skip
    for name in query:
        if name not in allowed:
            raise ValidationError("a search parameter is not supported here", field="query")
    named = [n for n in ("patient", "subject") if n in query]
    if len(named) != 1:
        raise ValidationError("patient: give patient or subject once", field="patient")
    person = patient_reference(validation.single(query, named[0]) or "", named[0])
    since, before = _dates(query.get(date_param, ()), date_param) if date_param else (None, None)
    raw_category = validation.single(query, category.name) if category else None
    kinds = category.parse(raw_category) if category and raw_category is not None else ()
    return ItemSearch(person, _count(validation.single(query, "_count")), 1, since, before,
                      kinds)  # fmt: skip


def page_token(search: ItemSearch) -> str:
    """The opaque token of ``search`` (see the module docstring)."""
    raw = json.dumps(asdict(search), separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _from_token(token: str, date_param: str | None, category: TokenParam | None) -> ItemSearch:
    refused = ValidationError(f"{PAGE_TOKEN}: not a page token of this search", field=PAGE_TOKEN)
    if not token or len(token) > _MAX_TOKEN or not token.isascii():
        raise refused
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError):
        raise refused from None
    if not isinstance(decoded, dict) or set(decoded) != set(ItemSearch.__dataclass_fields__):
        raise refused
    page = decoded["page"]
    if not isinstance(page, int) or isinstance(page, bool) or not 1 <= page <= MAX_RESULT_WINDOW:
        raise refused
    query: dict[str, list[str]] = {"patient": [str(decoded["person_id"])],
                                   "_count": [str(decoded["count"])]}  # fmt: skip
    for prefix, bound in (("ge", decoded["since"]), ("lt", decoded["before"])):
        if bound is not None:
            if not date_param:
                raise refused
            query.setdefault(date_param, []).append(f"{prefix}{bound}")
    kinds = decoded["category"]
    if kinds:
        if (
            not category
            or not isinstance(kinds, list)
            or not all(isinstance(k, str) for k in kinds)
        ):
            raise refused
        query[category.name] = [category.tokens(kinds)]
    try:
        search = item_search(query, date_param=date_param, category=category)
    except ValidationError:
        raise refused from None
    return replace(search, page=page)


def issue_code(status: int) -> str:
    """The OperationOutcome issue code of an error status."""
    return _ISSUE_CODES.get(status, "exception")


def operation_outcome(status: int, message: str, *, severity: str = "error") -> Json:
    """An OperationOutcome of one issue; ``message`` must never hold what the client sent."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": issue_code(status), "diagnostics": message}],
    }


def searchset(
    base: str,
    self_url: str,
    resources: Sequence[Json],
    *,
    total: int | None,
    next_url: str | None = None,
    outcome: Json | None = None,
) -> Json:
    """A searchset Bundle of ``resources`` (``base`` is ``.../fhir/R4``); ``outcome`` (an
    OperationOutcome, e.g. what was kept back) is added as an entry of mode ``outcome``."""
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    entries: list[Json] = [
        {"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r,
         "search": {"mode": "match"}}
        for r in resources
    ]  # fmt: skip
    if outcome is not None:
        entries.append({"resource": outcome, "search": {"mode": "outcome"}})
    bundle: Json = {"resourceType": "Bundle", "type": "searchset", "link": links}
    if total is not None:
        bundle["total"] = total
    if entries:
        bundle["entry"] = entries
    return bundle
