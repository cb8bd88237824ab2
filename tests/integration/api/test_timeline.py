"""The timeline over real HTTP on real OpenSearch, PostgreSQL and Keycloak tokens: every type
newest first with provenance and organisation names, the filters and paging, hostile text as
plain words, and the record's refusals, consent at read and audit."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from schemas import nhs_number
from streams.consent.state import Decision, Preference, Scope
from tests.integration.api.conftest import (
    PURPOSE,
    ApiStack,
    access_token,
    bearer,
    condition,
    medication,
    patient,
    result,
)

NHS_A = nhs_number.test_number(151)
PERSON = "p-timeline"
RC9 = "Bedfordshire Hospitals NHS Foundation Trust"
E81001 = "De Parys Medical Centre"


def _record(api: ApiStack) -> None:
    """One person known to the GP practice (E81001) and the hospital (RC9): three results
    at the hospital, a medication and a problem at the practice."""
    api.index(
        PERSON,
        patient("E81001", "L1", "PAT-1", nhs=NHS_A, family="Testwoman"),
        patient("RC9", "H1", "PAT-2", nhs=NHS_A, family="Testwoman"),
        result("RC9", "H1", "R1", value=13.2, minutes=10),
        result("RC9", "H1", "R2", value=9.1, minutes=60 * 24 * 40),
        result("RC9", "H1", "R3", value=11.0, minutes=60 * 24 * 80),
        medication("E81001", "L1", "M1"),
        condition("E81001", "L1", "C1", display="Essential hypertension"),
    )


def _timeline(api: ApiStack, headers: dict[str, str] | None = None, **params: str) -> Any:
    query = f"?{urlencode(params)}" if params else ""
    return api.get(f"/api/persons/{PERSON}/timeline{query}", headers=headers)


def _ids(reply: Any) -> list[str]:
    return [item["source_record_id"] for item in reply.body["items"]]


def test_every_type_newest_first_with_provenance_and_names(api_stack: ApiStack) -> None:
    """Items of every type from both organisations, newest first, each with its provenance
    and its organisation's registered name; the audit row names the categories and counts."""
    _record(api_stack)

    reply = _timeline(api_stack)

    assert reply.status == 200, reply.body
    # C1 and M1 occurred at the same instant: then by organisation, then record id.
    assert _ids(reply) == ["R3", "R2", "R1", "C1", "M1"]
    assert reply.body["total"] == 5 and reply.body["has_more"] is False
    newest = reply.body["items"][0]
    assert (newest["org"], newest["org_name"]) == ("RC9", RC9)
    assert (newest["source_system"], newest["source_record_id"]) == ("synthetic", "R3")
    assert newest["received_at"] and newest["recorded_at"] and newest["category"] == "results"
    assert newest["summary"] == "Haemoglobin"
    assert reply.body["organisations"] == {"E81001": E81001, "RC9": RC9}
    row = api_stack.audit_rows()[-1].entry
    assert (row.query_kind, row.outcome, row.shown, row.kept_back) == (
        "person_timeline", "shown", 5, 0)  # fmt: skip
    assert row.categories == ("medications", "problems", "results")


def test_filters_and_paging(api_stack: ApiStack) -> None:
    """Type, organisation, date range, code and free text each narrow the timeline; pages
    follow one another without overlap."""
    _record(api_stack)

    assert _ids(_timeline(api_stack, type="medication,condition")) == ["C1", "M1"]
    assert set(_ids(_timeline(api_stack, org="E81001"))) == {"M1", "C1"}
    assert _ids(_timeline(api_stack, **{"from": "2024-04-01", "to": "2024-04-30"})) == ["R2"]
    assert _ids(_timeline(api_stack, code="38341003")) == ["C1"]
    assert _ids(_timeline(api_stack, text="essential HYPERTENSION")) == ["C1"]
    assert _ids(_timeline(api_stack, text="amlodipine")) == ["M1"]
    assert _ids(_timeline(api_stack, text="hypertension amlodipine")) == []
    first = _timeline(api_stack, page_size="2", type="result")
    second = _timeline(api_stack, page_size="2", page="2", type="result")
    assert (_ids(first), first.body["has_more"]) == (["R3", "R2"], True)
    assert (_ids(second), second.body["has_more"], second.body["total"]) == (["R1"], False, 3)


def test_hostile_text_is_plain_words(api_stack: ApiStack) -> None:
    """Query syntax typed as text finds nothing and breaks nothing: it is matched as words."""
    _record(api_stack)

    for hostile in ("*", "*:*", "org:RC9 OR *", '"}},{"match_all":{}}', "haemo*", "R1 || true"):
        reply = _timeline(api_stack, text=hostile)
        assert (reply.status, reply.body["items"], reply.body["total"]) == (200, [], 0), hostile


def test_bad_parameters_are_400_naming_the_parameter(api_stack: ApiStack) -> None:
    """A rule broken is a 400 naming the parameter, never repeating the value, audited."""
    _record(api_stack)

    reply = _timeline(api_stack, org="not an ods code")
    assert reply.status == 400 and reply.body["field"] == "org"
    assert "not an ods" not in str(reply.body)
    assert _timeline(api_stack, type="secret").body["field"] == "type"
    assert api_stack.audit_rows()[-1].entry.outcome == "rejected"


def test_refused_as_the_record_is_and_break_glass_opens_it(api_stack: ApiStack) -> None:
    """A doctor at an organisation with no relationship is refused (break-glass offered),
    audited; after breaking the glass the timeline opens, flagged."""
    api_stack.index(PERSON, patient("E81001", "L1", "PAT-1", nhs=NHS_A, family="Testwoman"),
                    medication("E81001", "L1", "M1"))  # fmt: skip
    doctor = {**bearer(access_token(api_stack.stack, "demo-hospital-doctor")), **PURPOSE}

    refused = _timeline(api_stack, headers=doctor)
    assert refused.status == 403 and refused.body["break_glass_offered"] is True
    assert "items" not in refused.body
    row = api_stack.audit_rows()[-1].entry
    assert (row.query_kind, row.outcome) == ("person_timeline", "forbidden")
    glass = api_stack.get(
        f"/api/persons/{PERSON}/break-glass", headers={**doctor, "Content-Type": "application/json"},
        method="POST", data=b'{"reason_code": "emergency-treatment", "reason_text": "collapsed in the emergency department"}',
    )  # fmt: skip
    assert glass.status == 201, glass.body
    opened = _timeline(api_stack, headers=doctor)
    assert opened.status == 200 and _ids(opened) == ["M1"]
    assert opened.body["access"]["basis"] == "break-glass"
    assert api_stack.audit_rows()[-1].entry.flagged is True


def test_a_role_sees_only_its_categories(api_stack: ApiStack) -> None:
    """A receptionist (demographics and encounters) gets no results or medicines: they are
    not read, not counted, and named as not permitted."""
    api_stack.index(PERSON, patient("E81002", "L5", "PAT-5", nhs=NHS_A, family="Testwoman"),
                    result("E81002", "L5", "R9"), medication("E81002", "L5", "M9"))  # fmt: skip
    desk = {**bearer(access_token(api_stack.stack, "demo-receptionist")), **PURPOSE}

    reply = _timeline(api_stack, headers=desk)

    assert reply.status == 200, reply.body
    assert (reply.body["items"], reply.body["total"], reply.body["types"]) == ([], 0,
                                                                               ["encounter"])  # fmt: skip
    assert {"result", "medication"} <= set(reply.body["not_permitted"])
    asked = _timeline(api_stack, headers=desk, type="result")
    assert asked.status == 403 and asked.body["refusal"] == "role-not-permitted"


def test_objection_and_withheld_items_as_the_record(api_stack: ApiStack) -> None:
    """A withheld item is only counted; an objection is a 403 with nothing else."""
    _record(api_stack)
    withhold = Preference("RC9", "C2", 1, Scope.ITEM_WITHHELD, Decision.DENY,
                          withheld_record_ids=frozenset({"R2"}))  # fmt: skip
    api_stack.consent(withhold, source_key="RC9:H1", person_id=PERSON)

    kept = _timeline(api_stack, type="result")
    assert _ids(kept) == ["R3", "R1"] and kept.body["kept_back"] == 1
    assert api_stack.audit_rows()[-1].entry.kept_back == 1

    denial = Preference("E81001", "C1", 1, Scope.SHARED_CARE_RECORD, Decision.DENY)
    api_stack.consent(denial, source_key="E81001:L1", person_id=PERSON)
    objecting = _timeline(api_stack)
    assert objecting.status == 403 and objecting.body["objects_to_sharing"] is True
    assert set(objecting.body) == {"error", "person_id", "objects_to_sharing"}
    assert api_stack.audit_rows()[-1].entry.outcome == "objection"


def test_the_record_names_its_organisations(api_stack: ApiStack) -> None:
    """The record answer names each item's and each demographics entry's organisation."""
    _record(api_stack)

    body = api_stack.get(f"/api/persons/{PERSON}/record").body

    assert body["results"]["items"][0]["org_name"] == RC9
    assert {d["org"]: d["org_name"] for d in body["demographics"]} == {"E81001": E81001, "RC9": RC9}
    assert body["organisations"] == {"E81001": E81001, "RC9": RC9}
