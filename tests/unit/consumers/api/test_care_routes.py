"""Break-glass, objections recorded by a care user, and the IG reports, through the service
on fakes: who may do what, what is answered, and what the audit rows say."""

from __future__ import annotations

from typing import Any

from tests.unit.consumers.api.builders import (
    GP_TOKEN,
    PERSON_A,
    FakeCareStore,
    FakeObjections,
    governance,
)
from tests.unit.consumers.api.test_app import VIEWER, get, make_api

AS_RWK = {**VIEWER, "X-MCR-Role": "555000001009"}
RECORD = f"/api/persons/{PERSON_A}/record"
GLASS = f"/api/persons/{PERSON_A}/break-glass"
OBJECTION = f"/api/persons/{PERSON_A}/objection"
SECRET_TEXT = "Unconscious in resus, no other history available"


def _post(api: Any, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return api.post(path, json=body, headers=headers)


def test_break_glass_opens_the_record_for_a_time_and_flags_every_use() -> None:
    """Refused with break-glass offered; a short explanation is refused naming the field only;
    a proper one opens the record (access basis break-glass) and every row is flagged."""
    store = FakeCareStore()
    api, audit = make_api(governance=governance(store))

    refused = get(api, RECORD, headers=AS_RWK)
    too_short = _post(
        api, GLASS, {"reason_code": "emergency-treatment", "reason_text": "x"}, AS_RWK
    )
    opened = _post(
        api, GLASS, {"reason_code": "emergency-treatment", "reason_text": SECRET_TEXT}, AS_RWK
    )
    shown = get(api, RECORD, headers=AS_RWK)

    assert refused.status_code == 403 and refused.json()["break_glass_offered"] is True
    assert too_short.status_code == 400 and too_short.json()["field"] == "reason_text"
    assert "x" not in too_short.json()["error"].split()
    assert opened.status_code == 201 and opened.json()["reason_code"] == "emergency-treatment"
    assert shown.status_code == 200 and shown.json()["access"]["basis"] == "break-glass"
    assert [g.reason_text for g in store.grants] == [SECRET_TEXT]
    rows = [
        (e.query_kind, e.outcome, e.status, e.flagged, e.break_glass_reason) for e in audit.entries
    ]
    assert rows == [
        ("person_record", "forbidden", 403, False, ""),
        ("break_glass", "rejected", 400, False, ""),
        ("break_glass", "recorded", 201, True, "emergency-treatment"),
        ("person_record", "shown", 200, True, "emergency-treatment"),
    ]
    assert SECRET_TEXT not in str(audit.entries)


def test_a_care_user_records_an_objection_for_their_organisations_record() -> None:
    """The GP (E81001 holds the patient's record) records an objection: one consent event of
    E81001 about its own record; acting for RWK (no record held) is refused."""
    objections = FakeObjections()
    api, audit = make_api(governance=governance(objections=objections))

    done = _post(api, OBJECTION, {"decision": "DENY"}, VIEWER)
    elsewhere = _post(api, OBJECTION, {"decision": "DENY"}, AS_RWK)
    bad = _post(api, OBJECTION, {"decision": "MAYBE"}, VIEWER)

    assert done.status_code == 202 and done.json()["decision"] == "DENY"
    [event] = objections.events
    header = event.payload["header"]
    assert (header["org"], event.payload["decision"], event.payload["scope"]) == (
        "E81001", "DENY", "SHARED_CARE_RECORD")  # fmt: skip
    assert elsewhere.status_code == 403 and elsewhere.json()["field"] == "person_id"
    assert bad.status_code == 400 and "MAYBE" not in bad.text
    assert [(e.query_kind, e.outcome) for e in audit.entries] == [
        ("objection", "recorded"), ("objection", "forbidden"), ("objection", "rejected")]  # fmt: skip


def test_a_failed_publication_is_503_and_nothing_is_claimed() -> None:
    """When Kafka does not take the event, the answer says so (503)."""
    api, _ = make_api(governance=governance(objections=FakeObjections(ok=False)))
    assert _post(api, OBJECTION, {"decision": "PERMIT"}, VIEWER).status_code == 503


def test_only_information_governance_reads_the_audit_reports() -> None:
    """A clinician asking for the access report or the break-glass review is refused (403)."""
    api, audit = make_api()
    report = get(api, "/api/audit/access-report", {"person_id": [PERSON_A]})
    review = get(api, "/api/audit/break-glass")
    assert (report.status_code, review.status_code) == (403, 403)
    assert [(e.query_kind, e.outcome) for e in audit.entries] == [
        ("access_report", "forbidden"), ("break_glass_review", "forbidden")]  # fmt: skip
    assert GP_TOKEN not in str(audit.entries)
