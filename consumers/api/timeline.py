"""A person's timeline: every record type the acting role may see, across organisations,
newest first, searched inside (``timeline_query``). Decisions only, like ``service.py``.

The record is opened by the same gate as the record route (:func:`service.open_record`:
objection, nothing held, objecting source-key owners, role, care relationship or break-glass);
only then is the timeline read, and only of the types whose category the decision allows, so
a page and its total never count what the role may not see. Every item goes through consent
at read (``access.screen``: withheld and sensitive items are only counted). Record types come
from the service's table (``validation.ITEM_TYPES``) and their categories from the access
policy's (``authz.type_category``): a type added there appears here without a change.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from consumers.api import access, service, validation
from consumers.api.access import Hit, ItemPage, kept_back_note
from consumers.api.authz import Category, type_category
from consumers.api.service import (
    Answer,
    Authorise,
    ConsentSource,
    Disclosure,
    QueryKind,
    RecordSource,
    RequestOutcome,
)
from consumers.api.timeline_query import TimelineQuery
from consumers.api.validation import Page

__all__ = ["asked_categories", "person_timeline", "timeline_item"]

#: The field of a type's own fields that best names an item of it, when its first coded
#: field does not (an encounter's service says more than its reason).
_SUMMARY_FIELDS: Mapping[str, tuple[str, ...]] = {"encounter": ("service", "reason")}


def asked_categories(query: TimelineQuery) -> frozenset[Category]:
    """The categories a timeline request asks for: those of its types (every type if none)."""
    found = (type_category(rt) for rt in query.types or validation.ITEM_TYPES)
    return frozenset(category for category in found if category is not None)


def _text(value: Any) -> str | None:
    if isinstance(value, Mapping) and "code" in value:
        return str(value.get("display") or value.get("code") or "") or None
    return value if isinstance(value, str) and value else None


def _summary(record_type: str, fields: Mapping[str, Any]) -> str | None:
    """What the item is, in a few words: a preferred field, else its first coded field."""
    for name in _SUMMARY_FIELDS.get(record_type, ()):
        found = _text(fields.get(name))
        if found:
            return found
    coded = (value for value in fields.values() if isinstance(value, Mapping) and "code" in value)
    return next((_text(value) for value in coded), None)


def timeline_item(hit: Hit) -> dict[str, Any]:
    """An item of the timeline: the record's item fields, its category, a summary and its
    provenance (organisation, source system and record id, when it was recorded and when
    the record received it)."""
    body = access.item_body(hit)
    record_type = str(body.get("record_type") or "")
    category = type_category(record_type)
    return {
        **body,
        "category": None if category is None else category.value,
        "summary": _summary(record_type, hit.source.get(record_type) or {}),
        "received_at": hit.source.get("received_at"),
    }


def _searched(query: TimelineQuery, allowed: frozenset[Category]) -> tuple[list[str], list[str]]:
    """The types to read (asked and allowed) and those asked but not permitted."""
    asked = query.types or validation.ITEM_TYPES
    ok = [rt for rt in asked if type_category(rt) in allowed]
    return ok, [rt for rt in asked if rt not in ok]


def person_timeline(
    records: RecordSource,
    consent: ConsentSource,
    person_id: str,
    query: TimelineQuery,
    now: datetime,
    *,
    authorise: Authorise,
) -> Answer:
    """A page of the person's timeline after authorisation and consent at read (refused as
    the record route refuses). The audit row names the categories of the items shown."""
    opened = service.open_record(records, consent, person_id, now, authorise=authorise,
                                 record_types=(service.ENCOUNTER,), page=Page(),
                                 query_kind=QueryKind.PERSON_TIMELINE)  # fmt: skip
    if isinstance(opened, Answer):
        return opened
    types, not_permitted = _searched(query, opened.decision.categories)
    page = records.timeline(person_id, query, types) if types else ItemPage(0, ())
    read, known = opened.read, opened.found.read_keys()
    new_keys = {hit.source_key for hit in page.hits} - known - {""}
    if new_keys:  # an item re-keyed since the gate read: judge it by its owner now too
        read = service.read_consent(consent, read.states, (person_id,), known | new_keys)
        objecting = access.objecting_owners(person_id, new_keys, read, now)
        if objecting:
            return service.objection_answer((person_id, *objecting), QueryKind.PERSON_TIMELINE)
    screened = access.screen(page.hits, read, now)
    items = [timeline_item(hit) for hit in screened.shown]
    body: dict[str, Any] = {
        "person_id": person_id,
        "objects_to_sharing": False,
        "types": types,
        "not_permitted": not_permitted,
        "total": page.total,
        "page": query.page,
        "page_size": query.page_size,
        "has_more": query.page * query.page_size < page.total,
        "kept_back": screened.kept_back,
        "items": items,
        "access": opened.decision.access_body(),
    }
    if screened.kept_back:
        body["kept_back_note"] = kept_back_note(screened.kept_back)
    shown_categories = tuple(sorted({str(item["category"]) for item in items}))
    why = {**opened.decision.audit_fields(), "categories": shown_categories}
    disclosure = Disclosure(QueryKind.PERSON_TIMELINE, (person_id,), RequestOutcome.SHOWN,
                            len(items), screened.kept_back, why=why)  # fmt: skip
    return Answer(200, body, disclosure)
