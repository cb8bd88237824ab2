"""The timeline's decisions on fakes: the record gate, types narrowed to the role, consent at
read, provenance and the audit row's categories and counts."""

from __future__ import annotations

from datetime import datetime

from consumers.api.access import PersonDocuments
from consumers.api.authz import AccessDecision, Allowed, Category, Refusal, Refused
from consumers.api.authz.relationship import RelationshipKind
from consumers.api.service import QueryKind, RequestOutcome
from consumers.api.timeline import asked_categories, person_timeline, timeline_item
from consumers.api.timeline_query import parse_timeline_query
from consumers.api.validation import ITEM_TYPES
from tests.unit.consumers.api.builders import (
    NOW,
    PERSON_A,
    FakeConsent,
    FakeRecords,
    item_hit,
    objection,
    patient_hit,
    state,
    withholding,
)

EVERY = frozenset(c for c in Category if c not in (Category.AUDIT, Category.PLANNING))
RECORD = [
    patient_hit(),
    item_hit("result", "R1", occurred_at="2024-03-03T09:00:00.000Z"),
    item_hit("medication", "M1", org="E81001", occurred_at="2024-03-02T09:00:00.000Z"),
    item_hit("encounter", "E1", occurred_at="2024-03-01T09:00:00.000Z"),
    item_hit("condition", "C1", org="E81001", occurred_at="2019-05-02T00:00:00.000Z"),
]


def allow(categories: frozenset[Category] = EVERY):  # type: ignore[no-untyped-def]
    def authorise(documents: PersonDocuments, at: datetime) -> AccessDecision:
        del documents, at
        return Allowed(categories, relationship=RelationshipKind.REGISTERED_GP)

    return authorise


def refuse(documents: PersonDocuments, at: datetime) -> AccessDecision:
    del documents, at
    return Refused(Refusal.NO_RELATIONSHIP)


def timeline(records=None, consent=None, authorise=None, **params: str):  # type: ignore[no-untyped-def]
    query = parse_timeline_query({k: [v] for k, v in params.items()}, record_types=ITEM_TYPES)
    return person_timeline(records or FakeRecords(RECORD), consent or FakeConsent(), PERSON_A,
                           query, NOW, authorise=authorise or allow())  # fmt: skip


def test_every_type_newest_first_with_provenance() -> None:
    """Items of every type, newest first, each naming its organisation, system, record id,
    and when it was recorded and received; the audit row counts them by category."""
    got = timeline()
    assert got.status == 200
    body = got.body
    assert [i["id"] for i in body["items"]] == [
        "result|RC9|R1", "medication|E81001|M1", "encounter|RC9|E1", "condition|E81001|C1"]  # fmt: skip
    first = body["items"][0]
    assert {k: first[k] for k in ("org", "source_system", "source_record_id", "category",
                                  "summary", "record_type")} == {
        "org": "RC9", "source_system": "Medway PAS", "source_record_id": "R1",
        "category": "results", "summary": "Haemoglobin", "record_type": "result"}  # fmt: skip
    assert "received_at" in first and first["result"]["value_quantity"] == 13.2
    assert (body["total"], body["has_more"], body["kept_back"]) == (4, False, 0)
    audit = got.disclosure
    assert (audit.query_kind, audit.outcome, audit.shown) == (
        QueryKind.PERSON_TIMELINE, RequestOutcome.SHOWN, 4)  # fmt: skip
    assert audit.why["categories"] == ("encounters", "medications", "problems", "results")


def test_only_types_the_role_may_see_are_read() -> None:
    """A role allowed encounters only gets encounters: the others are not read (the total
    does not count them) and are listed as not permitted."""
    got = timeline(authorise=allow(frozenset({Category.ENCOUNTERS})))
    assert [i["record_type"] for i in got.body["items"]] == ["encounter"]
    assert got.body["total"] == 1
    assert got.body["types"] == ["encounter"]
    assert "result" in got.body["not_permitted"]
    assert got.disclosure.why["categories"] == ("encounters",)


def test_filters_narrow_the_page() -> None:
    """Type, organisation, date range, code and text each narrow the items."""
    assert [i["id"] for i in timeline(type="medication,condition").body["items"]] == [
        "medication|E81001|M1", "condition|E81001|C1"]  # fmt: skip
    assert [i["id"] for i in timeline(org="RC9").body["items"]] == [
        "result|RC9|R1", "encounter|RC9|E1"]  # fmt: skip
    dated = timeline(**{"from": "2024-03-02", "to": "2024-03-02"})
    assert [i["id"] for i in dated.body["items"]] == ["medication|E81001|M1"]
    assert [i["id"] for i in timeline(code="38341003").body["items"]] == ["condition|E81001|C1"]
    assert [i["id"] for i in timeline(text="haemo").body["items"]] == []
    assert [i["id"] for i in timeline(text="haemoglobin").body["items"]] == ["result|RC9|R1"]


def test_paging() -> None:
    """Pages of two: the second has the older two and nothing more after it."""
    first, second = timeline(page_size="2"), timeline(page_size="2", page="2")
    assert [len(first.body["items"]), first.body["has_more"]] == [2, True]
    assert [i["id"] for i in second.body["items"]] == ["encounter|RC9|E1", "condition|E81001|C1"]
    assert second.body["has_more"] is False


def test_withheld_items_are_only_counted() -> None:
    """An item withheld at the patient's request is not shown, only counted (audit too)."""
    consent = FakeConsent({PERSON_A: state(withholding("R1"))})
    got = timeline(consent=consent)
    assert "result|RC9|R1" not in [i["id"] for i in got.body["items"]]
    assert got.body["kept_back"] == 1 and "kept_back_note" in got.body
    assert (got.disclosure.shown, got.disclosure.kept_back) == (3, 1)


def test_objection_refusal_and_nothing_held_as_the_record() -> None:
    """The record's gate answers: 403 objection, 403 refusal offering break-glass, 404."""
    objecting = timeline(consent=FakeConsent({PERSON_A: state(objection())}))
    assert objecting.status == 403 and objecting.body["objects_to_sharing"] is True
    assert "items" not in objecting.body
    assert objecting.disclosure.query_kind is QueryKind.PERSON_TIMELINE
    assert objecting.disclosure.outcome is RequestOutcome.OBJECTION
    refused = timeline(authorise=refuse)
    assert refused.status == 403 and refused.body["break_glass_offered"] is True
    assert refused.disclosure.outcome is RequestOutcome.FORBIDDEN
    nothing = timeline(records=FakeRecords())
    assert nothing.status == 404 and nothing.disclosure.outcome is RequestOutcome.NOT_FOUND


def test_a_person_with_only_results_is_held() -> None:
    """No patient document and no encounter, but results: the timeline shows them."""
    got = timeline(records=FakeRecords([item_hit("result", "R9")]))
    assert got.status == 200 and [i["id"] for i in got.body["items"]] == ["result|RC9|R9"]


def test_asked_categories_follow_the_types() -> None:
    """The categories asked for are those of the types asked (all types by default)."""
    query = parse_timeline_query({"type": ["result"]}, record_types=ITEM_TYPES)
    assert asked_categories(query) == {Category.RESULTS}
    every = asked_categories(parse_timeline_query({}, record_types=ITEM_TYPES))
    assert every == EVERY - {Category.DEMOGRAPHICS}


def test_summary_of_an_encounter_is_its_service() -> None:
    """An encounter is summarised by its service; a type with no preferred field by its first
    coded field."""
    assert timeline_item(item_hit("encounter"))["summary"] == "Cardiology"
    assert timeline_item(item_hit("allergy"))["summary"] == "Allergy to penicillin"
