"""Synthetic documents and roles for the authorisation tests (invented people only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from consumers.api.access import Hit, ItemPage, PersonDocuments
from consumers.api.auth.principal import OdsCode, PersonRoleId, Role
from tests.unit.consumers.api.builders import PERSON_A, item_hit, patient_hit

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
GP, HOSPITAL, OTHER = "E81001", "RC9", "RD8"


def role(
    code: str = "S8000:G8000:R8000", org: str = HOSPITAL, role_id: str = "555000001003"
) -> Role:
    """A national RBAC role at ``org``."""
    return Role(PersonRoleId(role_id), OdsCode(org), code, "synthetic role")


def patient(org: str, *, gp: str = GP, recorded_at: str = "2024-01-01T00:00:00.000Z",
            deleted: bool = False) -> Hit:  # fmt: skip
    """A patient document held by ``org`` naming ``gp`` as the registered practice."""
    hit = patient_hit(org=org, recorded_at=recorded_at, deleted=deleted,
                      source_record_id=f"PAT-{org}-{recorded_at[:4]}")  # fmt: skip
    if not deleted:
        hit.source["patient"]["registered_gp_practice"] = gp
    return hit


def encounter(org: str, *, start: str | None, end: str | None = None,
              deleted: bool = False) -> Hit:  # fmt: skip
    """An encounter at ``org`` over ``start``-``end`` (ISO times, either may be None)."""
    hit = item_hit("encounter", f"ENC-{org}-{start}-{end}", org=org, deleted=deleted)
    if not deleted:
        hit.source["encounter"] = {**hit.source["encounter"], "period_start": start,
                                   "period_end": end}  # fmt: skip
    return hit


def documents(*hits: Hit) -> PersonDocuments:
    """What a record read of ``hits`` returns (patients, and one page per item type)."""
    patients = tuple(h for h in hits if h.source["doc_kind"] == "patient")
    pages: dict[str, list[Hit]] = {}
    for h in hits:
        if h.source["doc_kind"] == "item":
            pages.setdefault(h.source["record_type"], []).append(h)
    return PersonDocuments(patients, {rt: ItemPage(len(v), tuple(v)) for rt, v in pages.items()})


def record_body(**overrides: Any) -> dict[str, Any]:
    """A record body as ``access.record_body`` builds it (two demographics, three sections)."""
    body: dict[str, Any] = {
        "person_id": PERSON_A, "objects_to_sharing": False,
        "demographics": [{"org": GP}, {"org": HOSPITAL}], "contact_details_hidden": False,
        "results": {"total": 7, "page": 1, "page_size": 50, "has_more": False, "kept_back": 2,
                    "items": [{"id": "r"}] * 5},
        "medications": {"total": 3, "page": 1, "page_size": 50, "has_more": False,
                        "kept_back": 0, "items": [{"id": "m"}] * 3},
        "encounters": {"total": 4, "page": 1, "page_size": 50, "has_more": False,
                       "kept_back": 1, "items": [{"id": "e"}] * 3},
        "kept_back": 4, "kept_back_note": "4 item(s) are not shown: ...",
    }  # fmt: skip
    return {**body, **overrides}
