"""The access decision for one record request, and the record cut down to it. Pure.

:func:`decide` answers, for the acting role, the person's documents and any break-glass in
force: which categories may be returned and on what basis, or why not::

    role may see none of what is asked       -> Refused(role-not-permitted)  no break-glass offered
    care relationship (relationship.py)      -> Allowed(basis = relationship kind)
    break-glass in force for this role/person -> Allowed(basis = "break-glass", flagged)
    otherwise                                -> Refused(no-relationship)     break-glass offered

Consent at read (``access.py``) runs first and is not changed by any of this: an objection is
still a 403 whoever asks. :func:`filter_record` then removes from the record body the sections
the role may not see, and counts what it removed for the audit row.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from consumers.api.access import Hit, PersonDocuments, kept_back_note
from consumers.api.auth.principal import Role
from consumers.api.authz.break_glass import BreakGlass, ReasonCode
from consumers.api.authz.policy import RECORD_CATEGORIES, AccessPolicy, Category
from consumers.api.authz.relationship import (
    DEFAULT_WINDOW,
    Relationship,
    RelationshipKind,
    find_relationship,
)

__all__ = [
    "BREAK_GLASS",
    "AccessDecision",
    "Allowed",
    "FilteredRecord",
    "Refusal",
    "Refused",
    "decide",
    "filter_record",
    "requested_categories",
    "type_category",
]

BREAK_GLASS = "break-glass"
_TYPE_CATEGORIES = {
    "result": Category.RESULTS,
    "medication": Category.MEDICATIONS,
    "encounter": Category.ENCOUNTERS,
    "condition": Category.PROBLEMS,
    "allergy": Category.ALLERGIES,
    "immunisation": Category.IMMUNISATIONS,
    "procedure": Category.PROCEDURES,
    "document": Category.DOCUMENTS,
}


class Refusal(StrEnum):
    """Why a record request is refused by authorisation."""

    NO_RELATIONSHIP = "no-relationship"
    ROLE_NOT_PERMITTED = "role-not-permitted"


_MESSAGES = {
    Refusal.NO_RELATIONSHIP: "no care relationship with this person: break the glass to "
    "see the record (the reason is recorded and reviewed)",
    Refusal.ROLE_NOT_PERMITTED: "role: this role may not see what was asked",
}


@dataclass(frozen=True)
class Allowed:
    """The request may go ahead, returning ``categories`` only."""

    categories: frozenset[Category]
    relationship: RelationshipKind | None = None
    break_glass_reason: ReasonCode | None = None
    not_permitted: frozenset[Category] = frozenset()
    """Categories asked for that the role may not see (removed by :func:`filter_record`)."""
    expires_at: datetime | None = None
    """When the break-glass this rides on ends (None: a relationship)."""

    @property
    def basis(self) -> str:
        """The relationship kind, or ``break-glass``."""
        return BREAK_GLASS if self.relationship is None else self.relationship.value

    @property
    def flagged(self) -> bool:
        """True when the request rides on a break-glass (listed for review)."""
        return self.break_glass_reason is not None

    def access_body(self) -> dict[str, Any]:
        """What the record body says about its access (``body["access"]``, for the viewer)."""
        return {
            "basis": self.basis,
            "break_glass_reason": self.break_glass_reason or "",
            "expires_at": None if self.expires_at is None else self.expires_at.isoformat(),
            "categories": sorted(self.categories),
        }

    def audit_fields(self) -> dict[str, Any]:
        """The ``AuditEntry`` fields that say why (``dataclasses.replace(entry, **...)``)."""
        return {
            "relationship": "" if self.relationship is None else self.relationship.value,
            "break_glass_reason": self.break_glass_reason or "",
            "flagged": self.flagged,
            "categories": tuple(sorted(self.categories)),
        }


@dataclass(frozen=True)
class Refused:
    """The request is refused (403); ``offer_break_glass`` tells the viewer what it may offer."""

    reason: Refusal

    @property
    def offer_break_glass(self) -> bool:
        return self.reason is Refusal.NO_RELATIONSHIP

    @property
    def message(self) -> str:
        return _MESSAGES[self.reason]

    def body(self, person_id: str) -> dict[str, Any]:
        """The JSON body of the 403 (no record data)."""
        field = "role" if self.reason is Refusal.ROLE_NOT_PERMITTED else "person_id"
        return {
            "error": self.message,
            "field": field,
            "person_id": person_id,
            "refusal": self.reason.value,
            "break_glass_offered": self.offer_break_glass,
        }

    def audit_fields(self) -> dict[str, Any]:
        """Nothing was returned: no relationship, no reason, no categories."""
        return {"relationship": "", "break_glass_reason": "", "flagged": False, "categories": ()}


AccessDecision = Allowed | Refused


def requested_categories(
    record_types: Iterable[str], *, demographics: bool = True
) -> frozenset[Category]:
    """The categories a record request asks for: the sections of ``record_types``
    (``result``...) and, unless ``demographics`` is False (a page of one section only),
    demographics."""
    found = {_TYPE_CATEGORIES[rt] for rt in record_types if rt in _TYPE_CATEGORIES}
    return frozenset(found | ({Category.DEMOGRAPHICS} if demographics else set()))


def type_category(record_type: str) -> Category | None:
    """The category of items of ``record_type`` (None for a type no category covers yet)."""
    return _TYPE_CATEGORIES.get(record_type)


def _hits(documents: PersonDocuments) -> list[Hit]:
    return [*documents.patients, *(hit for page in documents.pages.values() for hit in page.hits)]


def decide(
    user_role: Role,
    person_documents: PersonDocuments,
    active_break_glass: Callable[[], BreakGlass | None],
    policy: AccessPolicy,
    now: datetime,
    *,
    person_id: str,
    requested: Collection[Category] = RECORD_CATEGORIES,
    window: timedelta = DEFAULT_WINDOW,
) -> AccessDecision:
    """May ``user_role`` see ``requested`` of the record of ``person_id`` (whose documents, as
    read, are ``person_documents``) at ``now``? A break-glass counts only when it was opened
    by this role for this person and has not expired. ``active_break_glass`` is asked only when
    there is no care relationship (most reads have one, and the lookup is a database query)."""
    permitted = policy.record_categories_for(user_role.role_code)
    allowed = permitted & frozenset(requested)
    if not allowed:
        return Refused(Refusal.ROLE_NOT_PERMITTED)
    not_permitted = frozenset(requested) - permitted
    found = find_relationship(user_role.org_code, _hits(person_documents), now, window=window)
    if isinstance(found, Relationship):
        return Allowed(allowed, relationship=found.kind, not_permitted=not_permitted)
    grant = active_break_glass()
    if grant is not None and grant.covers(role_id=user_role.role_id, person_id=person_id,
                                          now=now):  # fmt: skip
        return Allowed(allowed, break_glass_reason=grant.reason_code,
                       not_permitted=not_permitted, expires_at=grant.expires_at)  # fmt: skip
    return Refused(Refusal.NO_RELATIONSHIP)


@dataclass(frozen=True)
class FilteredRecord:
    """The record body with only the allowed sections, and what was removed from it: the
    number of demographics entries and of items on each removed section's page."""

    body: dict[str, Any]
    withheld: Mapping[str, int]

    @property
    def withheld_total(self) -> int:
        """Documents removed: subtract from the audit row's ``shown``."""
        return sum(self.withheld.values())


#: The record's item sections, in answer order: one per record type's category.
_SECTIONS = tuple(_TYPE_CATEGORIES.values())


def _withheld_counts(body: Mapping[str, Any], removed: list[Category]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for category in removed:
        part = body[category.value]
        counts[category.value] = len(part if category is Category.DEMOGRAPHICS else part["items"])
    return counts


def _kept_back_removed(body: Mapping[str, Any], removed: list[Category]) -> int:
    """How much of the body's ``kept_back`` belongs to removed parts (patient documents kept
    back are the total less every section's)."""
    sections = [c for c in _SECTIONS if c.value in body]
    own = {c: int(body[c.value].get("kept_back", 0)) for c in sections}
    patients = int(body.get("kept_back", 0)) - sum(own.values())
    return sum(patients if c is Category.DEMOGRAPHICS else own[c] for c in removed)


def filter_record(body: Mapping[str, Any], categories: Collection[Category]) -> FilteredRecord:
    """``body`` (``access.record_body``) without the parts outside ``categories``. The body
    lists the removed parts by name (``not_permitted``), never their size; its ``kept_back``
    no longer counts items of removed parts (that would tell which are sensitive). Any other
    body (an objection, an error) is returned as it is."""
    if body.get("objects_to_sharing") is not False or "demographics" not in body:
        return FilteredRecord(dict(body), MappingProxyType({}))
    removed = [c for c in (Category.DEMOGRAPHICS, *_SECTIONS)
               if c.value in body and c not in categories]  # fmt: skip
    withheld = _withheld_counts(body, removed)
    kept_back = int(body.get("kept_back", 0)) - _kept_back_removed(body, removed)
    cut = {k: v for k, v in body.items() if k not in withheld and k != "kept_back_note"}
    if Category.DEMOGRAPHICS in removed:
        cut.pop("contact_details_hidden", None)
    cut["kept_back"] = kept_back
    if kept_back:
        cut["kept_back_note"] = kept_back_note(kept_back)
    cut["not_permitted"] = sorted(withheld)
    return FilteredRecord(cut, MappingProxyType(withheld))
