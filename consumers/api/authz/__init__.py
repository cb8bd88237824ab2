"""Authorisation: who may see what of a person's record, and why (issue 10). Pure decisions,
one store, two reports; the routes call them (docs/api.md, "Who may see what").

- ``policy``: role code -> categories, from ``access_policy.json`` (deny by default);
- ``relationship``: the acting organisation's care relationship with the person;
- ``break_glass``: the rules of a break-glass opening; ``break_glass_store``: its table;
- ``decision``: :func:`decide` (one record request) and :func:`filter_record`;
- ``reports``: the access report and the break-glass review (information governance).
"""

from consumers.api.authz.break_glass import BreakGlass, ReasonCode, new_break_glass, opening_entry
from consumers.api.authz.break_glass_store import (
    active_break_glass,
    list_break_glass,
    open_break_glass,
)
from consumers.api.authz.decision import (
    AccessDecision,
    Allowed,
    FilteredRecord,
    Refusal,
    Refused,
    decide,
    filter_record,
    requested_categories,
    type_category,
)
from consumers.api.authz.errors import (
    AuthzError,
    BreakGlassRefusedError,
    BreakGlassRequestError,
    PolicyError,
)
from consumers.api.authz.policy import RECORD_CATEGORIES, AccessPolicy, Category, load_policy
from consumers.api.authz.relationship import (
    NoRelationship,
    Relationship,
    RelationshipKind,
    find_relationship,
)
from consumers.api.authz.reports import (
    AccessEvent,
    BreakGlassReview,
    access_report,
    break_glass_report,
)
from consumers.api.authz.settings import AuthzSettings

__all__ = [
    "RECORD_CATEGORIES",
    "AccessDecision",
    "AccessEvent",
    "AccessPolicy",
    "Allowed",
    "AuthzError",
    "AuthzSettings",
    "BreakGlass",
    "BreakGlassRefusedError",
    "BreakGlassRequestError",
    "BreakGlassReview",
    "Category",
    "FilteredRecord",
    "NoRelationship",
    "PolicyError",
    "ReasonCode",
    "Refusal",
    "Refused",
    "Relationship",
    "RelationshipKind",
    "access_report",
    "active_break_glass",
    "break_glass_report",
    "decide",
    "filter_record",
    "find_relationship",
    "list_break_glass",
    "load_policy",
    "new_break_glass",
    "open_break_glass",
    "opening_entry",
    "requested_categories",
    "type_category",
]
