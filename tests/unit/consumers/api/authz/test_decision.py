"""The access decision, as a table (role x relationship x break-glass x what is asked), and
the record cut down to the allowed categories with what was withheld counted."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from consumers.api.access import PersonDocuments
from consumers.api.authz.break_glass import BreakGlass, ReasonCode, new_break_glass
from consumers.api.authz.decision import (
    Allowed,
    Refusal,
    Refused,
    decide,
    filter_record,
    requested_categories,
)
from consumers.api.authz.policy import RECORD_CATEGORIES, Category, load_policy
from consumers.api.authz.relationship import RelationshipKind
from consumers.api.chain import AuditEntry
from tests.unit.consumers.api.authz.builders import (
    GP,
    HOSPITAL,
    NOW,
    OTHER,
    documents,
    encounter,
    patient,
    record_body,
    role,
)
from tests.unit.consumers.api.builders import PERSON_A

D, R, M, E = Category.DEMOGRAPHICS, Category.RESULTS, Category.MEDICATIONS, Category.ENCOUNTERS
P, AL, IM = Category.PROBLEMS, Category.ALLERGIES, Category.IMMUNISATIONS
PR, DO = Category.PROCEDURES, Category.DOCUMENTS
POLICY = load_policy()
DOCTOR, RECEPTION, SOCIAL = "S8000:G8000:R8000", "S8001:G8001:R8009", "S0080:G0240:R0243"
IG, UNKNOWN = "S8002:G8003:R0001", "S8000:G8000:R9999"
HELD = documents(patient(HOSPITAL, gp=GP), encounter(HOSPITAL, start="2025-02-01T10:00:00Z"))
NOT_HELD = documents(patient(GP, gp=GP))


def glass(person_id: str = PERSON_A, role_id: str = "555000001003") -> BreakGlass:
    grant = new_break_glass(user_id="555000000003", role=role(), person_id=PERSON_A,
                            code="safeguarding", text="Concern raised by ED triage nurse",
                            request_id="req-bg", policy=POLICY, now=NOW)  # fmt: skip
    return replace(grant, person_id=person_id, role_id=role_id)


HOLDS = Allowed(frozenset(RECORD_CATEGORIES), relationship=RelationshipKind.HOLDS_RECORD)
BY_GLASS = Allowed(
    frozenset(RECORD_CATEGORIES),
    break_glass_reason=ReasonCode.SAFEGUARDING,
    expires_at=NOW + timedelta(minutes=60),
)
CASES: list[tuple[str, str, str, PersonDocuments, BreakGlass | None, frozenset[Category], Any]] = [
    ("doctor at an organisation holding the record", DOCTOR, HOSPITAL, HELD, None,
     RECORD_CATEGORIES, HOLDS),
    ("doctor at the registered practice", DOCTOR, GP, HELD, None, RECORD_CATEGORIES,
     Allowed(frozenset(RECORD_CATEGORIES), relationship=RelationshipKind.REGISTERED_GP)),
    ("relationship wins over a break-glass (not flagged)", DOCTOR, HOSPITAL, HELD, glass(),
     RECORD_CATEGORIES, HOLDS),
    ("doctor elsewhere, no break-glass: offer it", DOCTOR, HOSPITAL, NOT_HELD, None,
     RECORD_CATEGORIES, Refused(Refusal.NO_RELATIONSHIP)),
    ("doctor elsewhere with break-glass: flagged", DOCTOR, HOSPITAL, NOT_HELD, glass(),
     RECORD_CATEGORIES, BY_GLASS),
    ("break-glass for another person does not count", DOCTOR, HOSPITAL, NOT_HELD,
     glass(person_id="person-b"), RECORD_CATEGORIES, Refused(Refusal.NO_RELATIONSHIP)),
    ("break-glass opened in another role does not count", DOCTOR, HOSPITAL, NOT_HELD,
     glass(role_id="555000001099"), RECORD_CATEGORIES, Refused(Refusal.NO_RELATIONSHIP)),
    ("expired break-glass does not count", DOCTOR, HOSPITAL, NOT_HELD,
     replace(glass(), at=NOW - timedelta(hours=2), expires_at=NOW - timedelta(hours=1)),
     RECORD_CATEGORIES, Refused(Refusal.NO_RELATIONSHIP)),
    ("receptionist: demographics and encounters only", RECEPTION, HOSPITAL, HELD, None,
     RECORD_CATEGORIES, Allowed(frozenset({D, E}), relationship=RelationshipKind.HOLDS_RECORD,
                                not_permitted=frozenset({R, M, P, AL, IM, PR, DO}))),
    ("receptionist asking for results only: refused, no break-glass", RECEPTION, HOSPITAL,
     HELD, None, frozenset({R}), Refused(Refusal.ROLE_NOT_PERMITTED)),
    ("receptionist with a break-glass still may not see results", RECEPTION, HOSPITAL,
     NOT_HELD, glass(), frozenset({R}), Refused(Refusal.ROLE_NOT_PERMITTED)),
    ("social care worker: demographics and encounters", SOCIAL, HOSPITAL, HELD, None,
     frozenset({D, R}), Allowed(frozenset({D}), relationship=RelationshipKind.HOLDS_RECORD,
                                not_permitted=frozenset({R}))),
    ("IG officer: never the record", IG, HOSPITAL, HELD, None, RECORD_CATEGORIES,
     Refused(Refusal.ROLE_NOT_PERMITTED)),
    ("IG officer with a (forged) break-glass: still never", IG, HOSPITAL, HELD, glass(),
     RECORD_CATEGORIES, Refused(Refusal.ROLE_NOT_PERMITTED)),
    ("unknown role: nothing, deny by default", UNKNOWN, HOSPITAL, HELD, None,
     RECORD_CATEGORIES, Refused(Refusal.ROLE_NOT_PERMITTED)),
    ("doctor asking for one section", DOCTOR, HOSPITAL, HELD, None, frozenset({M}),
     Allowed(frozenset({M}), relationship=RelationshipKind.HOLDS_RECORD)),
    ("a tombstoned record held is no relationship", DOCTOR, HOSPITAL,
     documents(patient(HOSPITAL, deleted=True)), None, RECORD_CATEGORIES,
     Refused(Refusal.NO_RELATIONSHIP)),
    ("another organisation's recent encounter is no relationship", DOCTOR, OTHER,
     HELD, None, RECORD_CATEGORIES, Refused(Refusal.NO_RELATIONSHIP)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "code", "org", "docs", "grant", "requested", "expected"), CASES,
    ids=[c[0] for c in CASES],
)  # fmt: skip
def test_decide(
    case: str, code: str, org: str, docs: PersonDocuments, grant: BreakGlass | None,
    requested: frozenset[Category], expected: Any,
) -> None:  # fmt: skip
    found = decide(role(code, org), docs, lambda: grant, POLICY, NOW, person_id=PERSON_A,
                   requested=requested)  # fmt: skip
    assert found == expected


def test_break_glass_is_looked_up_only_without_a_relationship() -> None:
    asked: list[bool] = []

    def lookup() -> BreakGlass | None:
        asked.append(True)
        return None

    held = decide(role(DOCTOR, HOSPITAL), HELD, lookup, POLICY, NOW, person_id=PERSON_A)
    assert isinstance(held, Allowed) and not asked
    refused = decide(role(DOCTOR, OTHER), HELD, lookup, POLICY, NOW, person_id=PERSON_A)
    assert refused == Refused(Refusal.NO_RELATIONSHIP) and asked == [True]


def test_what_a_refusal_says_and_offers() -> None:
    none, role_no = Refused(Refusal.NO_RELATIONSHIP), Refused(Refusal.ROLE_NOT_PERMITTED)
    assert none.offer_break_glass and not role_no.offer_break_glass
    assert none.body("p")["refusal"] == "no-relationship" and none.body("p")["break_glass_offered"]
    assert role_no.body("p") == {"error": "role: this role may not see what was asked",
                                 "field": "role", "person_id": "p",
                                 "refusal": "role-not-permitted",
                                 "break_glass_offered": False}  # fmt: skip


def test_the_audit_fields_say_why() -> None:
    base = AuditEntry(NOW, "r", "u", "direct-care", "a", "person_record", ("p",), "shown", 200)
    by_glass = replace(base, **BY_GLASS.audit_fields())
    assert (by_glass.relationship, by_glass.break_glass_reason, by_glass.flagged) == (
        "", "safeguarding", True)  # fmt: skip
    assert by_glass.categories == (
        "allergies", "demographics", "documents", "encounters", "immunisations", "medications",
        "problems", "procedures", "results",
    )  # fmt: skip
    assert BY_GLASS.basis == "break-glass" and HOLDS.basis == "holds-record"
    by_relation = replace(base, **HOLDS.audit_fields())
    assert by_relation.relationship == "holds-record" and not by_relation.flagged
    assert replace(base, **Refused(Refusal.NO_RELATIONSHIP).audit_fields()) == base


@pytest.mark.parametrize(
    ("types", "demographics", "expected"),
    [(["result", "medication", "encounter", "condition", "allergy", "immunisation",
       "procedure", "document"], True,
      RECORD_CATEGORIES), (["result"], True, {D, R}),
     (["result"], False, {R}), ([], True, {D}), (["unknown"], False, set())],
)  # fmt: skip
def test_requested_categories(
    types: list[str], demographics: bool, expected: set[Category]
) -> None:
    assert requested_categories(types, demographics=demographics) == expected


FILTER_CASES: list[tuple[str, frozenset[Category], dict[str, int], int, list[str]]] = [
    ("everything allowed", frozenset(RECORD_CATEGORIES), {}, 4, []),
    ("receptionist", frozenset({D, E}), {"results": 5, "medications": 3}, 2,
     ["medications", "results"]),
    ("results only", frozenset({R}), {"demographics": 2, "medications": 3, "encounters": 3}, 2,
     ["demographics", "encounters", "medications"]),
    ("nothing", frozenset(), {"demographics": 2, "results": 5, "medications": 3,
                              "encounters": 3}, 0,
     ["demographics", "encounters", "medications", "results"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "allowed", "withheld", "kept_back", "not_permitted"), FILTER_CASES,
    ids=[c[0] for c in FILTER_CASES],
)  # fmt: skip
def test_filter_record(
    case: str, allowed: frozenset[Category], withheld: dict[str, int], kept_back: int,
    not_permitted: list[str],
) -> None:  # fmt: skip
    """Removed sections are gone, counted for the audit (demographics entries, page items),
    named in the body without their size, and no longer counted in ``kept_back``."""
    body = record_body()
    found = filter_record(body, allowed)
    assert dict(found.withheld) == withheld
    assert found.withheld_total == sum(withheld.values())
    assert found.body["not_permitted"] == not_permitted
    assert found.body["kept_back"] == kept_back
    assert ("kept_back_note" in found.body) is bool(kept_back)
    for name in ("demographics", "results", "medications", "encounters"):
        assert (name in found.body) is (name not in withheld)
        if name not in withheld:
            assert found.body[name] == body[name]
    assert ("contact_details_hidden" in found.body) is (D in allowed)
    assert body == record_body()  # the input is not changed


def test_filter_record_leaves_a_section_that_was_not_asked_for_alone() -> None:
    body = record_body()
    del body["medications"]
    found = filter_record(body, frozenset({D, R}))
    assert dict(found.withheld) == {"encounters": 3} and "medications" not in found.body


@pytest.mark.parametrize(
    "body",
    [{"error": "the patient objects", "person_id": "p", "objects_to_sharing": True},
     {"error": "person_id: no record is held for this person", "field": "person_id"}],
)  # fmt: skip
def test_filter_record_passes_an_objection_or_an_error_unchanged(body: dict[str, Any]) -> None:
    found = filter_record(body, frozenset())
    assert found.body == body and not found.withheld


def test_the_access_body_tells_the_viewer_the_basis_and_the_expiry() -> None:
    assert BY_GLASS.access_body() == {
        "basis": "break-glass", "break_glass_reason": "safeguarding",
        "expires_at": "2025-03-01T13:00:00+00:00",
        "categories": ["allergies", "demographics", "documents", "encounters", "immunisations",
                       "medications", "problems", "procedures",
                       "results"],
    }  # fmt: skip
    assert HOLDS.access_body()["basis"] == "holds-record"
    assert HOLDS.access_body()["expires_at"] is None
