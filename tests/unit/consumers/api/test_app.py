"""The FastAPI application with fake ports: routes, sign-in, JSON errors, consent at read, the
audit row before every answer, limits."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from consumers.api.app import create_app
from consumers.api.guard import Limits
from consumers.api.models import PublicConfig
from tests.unit.consumers.api.builders import (
    GP_TOKEN,
    NHS_A,
    NOW,
    PERSON_A,
    PERSON_B,
    FakeAudit,
    FakeAuthenticator,
    FakeConsent,
    FakeRecords,
    governance,
    item_hit,
    objection,
    patient_hit,
    state,
    withholding,
)

VIEWER = {"Authorization": f"Bearer {GP_TOKEN}", "X-MCR-Purpose": "direct-care"}
RECORD = [
    patient_hit(PERSON_A),
    item_hit("result", "R1", occurred_at="2024-03-02T00:00:00Z"),
    item_hit("result", "R2"),
    item_hit("medication", "M1"),
    item_hit("encounter", "E1", confidentiality=("R",)),
    patient_hit(PERSON_B, nhs=NHS_A, family_name="Objector", source_record_id="PAT2"),
    item_hit("result", "RB", person_id=PERSON_B),
]
ASSETS = {
    "/": ("text/html; charset=utf-8", b"<h1>Find a patient</h1>"),
    "/static/app.js": ("text/javascript; charset=utf-8", b"'use strict';"),
}
CONFIG = PublicConfig(issuer="http://127.0.0.1:8180/realms/mcr", client_id="mcr-viewer",
                      audience="mcr-api")  # fmt: skip


def make_api(
    records: FakeRecords | None = None,
    consent: FakeConsent | None = None,
    audit: FakeAudit | None = None,
    **options: Any,
) -> tuple[TestClient, FakeAudit]:
    """The application on fakes, with a fixed clock and request ids, as a test client."""
    sink = audit or FakeAudit()
    ids = iter(f"req-{n}" for n in range(1000))
    app = create_app(
        records=records or FakeRecords(RECORD),
        consent=consent or FakeConsent(),
        audit=sink,
        authenticator=options.pop("authenticator", FakeAuthenticator()),
        public_config=CONFIG,
        governance=options.pop("governance", governance()),
        clock=lambda: NOW,
        new_request_id=lambda: next(ids),
        assets=options.pop("assets", ASSETS),
        **options,
    )
    return TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False), sink


def get(
    api: TestClient,
    path: str,
    query: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    method: str = "GET",
) -> Any:
    """Answer one request."""
    return api.request(
        method, path, params=query or {}, headers=VIEWER if headers is None else headers
    )


def test_health_answers_ok_without_an_audit_row() -> None:
    """GET /api/health is 200 {"status": "ok"} and is not audited (no patient data)."""
    api, audit = make_api()

    response = get(api, "/api/health", headers={})

    assert (response.status_code, response.json(), audit.entries) == (200, {"status": "ok"}, [])


def test_unknown_route_is_a_json_404() -> None:
    """An unknown path answers 404 with a JSON error body."""
    response = get(make_api()[0], "/api/nothing")

    assert (response.status_code, response.json()) == (404, {"error": "no such route"})
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"


def test_wrong_method_is_a_json_405_with_allow_and_audited() -> None:
    """POST on a GET route answers 405, says which methods are allowed, and is audited."""
    api, audit = make_api()

    response = get(api, "/api/patients", {"nhs_number": [NHS_A]}, method="POST")

    assert (response.status_code, response.json()) == (
        405,
        {"error": "method POST: not allowed here"},
    )
    assert response.headers["Allow"] == "GET"
    assert [(e.action, e.outcome, e.status) for e in audit.entries] == [
        ("POST /api/patients", "rejected", 405)
    ]


@pytest.mark.parametrize(
    ("headers", "status", "field", "user", "outcome"),
    [
        ({}, 401, "Authorization", "anonymous", "unauthenticated"),
        (
            {"X-MCR-User": "demo-clinician", "X-MCR-Purpose": "direct-care"},
            401,
            "Authorization",
            "anonymous",
            "unauthenticated",
        ),
        (
            {"Authorization": "Bearer forged", "X-MCR-Purpose": "direct-care"},
            401,
            "Authorization",
            "anonymous",
            "unauthenticated",
        ),
        (
            {"Authorization": f"Basic {GP_TOKEN}", "X-MCR-Purpose": "direct-care"},
            401,
            "Authorization",
            "anonymous",
            "unauthenticated",
        ),
        ({"Authorization": f"Bearer {GP_TOKEN}"}, 400, "X-MCR-Purpose", "555000000001", "rejected"),
        (
            {"Authorization": f"Bearer {GP_TOKEN}", "X-MCR-Purpose": "research"},
            400,
            "X-MCR-Purpose",
            "555000000001",
            "rejected",
        ),
        ({**VIEWER, "X-MCR-Role": "555000009999"}, 400, "X-MCR-Role", "555000000001", "rejected"),
    ],
)
@pytest.mark.parametrize("route", ["record", "timeline"])
def test_data_routes_need_a_token_a_purpose_and_a_held_role(
    headers: dict[str, str], status: int, field: str, user: str, outcome: str, route: str
) -> None:
    """Without a valid bearer token (X-MCR-User alone is nobody), a purpose and a role the user
    holds, a data route refuses naming the header, reads nothing, and is audited."""
    consent = FakeConsent()
    api, audit = make_api(FakeRecords(down=True), consent)

    response = get(api, f"/api/persons/{PERSON_A}/{route}", headers=headers)

    assert response.status_code == status and response.json()["field"] == field
    assert consent.asked == []
    assert [(e.user_id, e.outcome, e.status, e.person_ids) for e in audit.entries] == [
        (user, outcome, status, (PERSON_A,))
    ]
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "forged" not in response.text and GP_TOKEN not in response.text


def test_invalid_nhs_number_is_400_naming_field_and_rule_and_is_audited() -> None:
    """A bad check digit is 400 on nhs_number with the rule; the value appears nowhere."""
    api, audit = make_api()
    wrong = NHS_A[:9] + str((int(NHS_A[9]) + 1) % 10)

    response = get(api, "/api/patients", {"nhs_number": [wrong]})

    assert (response.status_code, response.json()) == (
        400,
        {"error": "nhs_number: fails the Modulus 11 check", "field": "nhs_number"},
    )
    row = audit.entries[0]
    assert (row.outcome, row.query_kind, row.person_ids, row.status) == (
        "rejected",
        "nhs_number",
        (),
        400,
    )
    assert wrong not in str(row)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "nhs_number"),
        ({"family_name": ["Testwoman"]}, "birth_date"),
        ({"birth_date": ["1970-01-01"]}, "family_name"),
        ({"nhs_number": [NHS_A], "family_name": ["Testwoman"]}, "nhs_number"),
        ({"family_name": ["Testwoman"], "birth_date": ["1970-02-30"]}, "birth_date"),
    ],
)
def test_search_parameter_errors_name_the_field(query: dict[str, list[str]], field: str) -> None:
    """Missing, mixed or malformed search parameters give 400 naming the parameter."""
    response = get(make_api()[0], "/api/patients", query)

    assert (response.status_code, response.json()["field"]) == (400, field)


def test_nhs_search_lists_persons_and_audits_ids_not_the_number() -> None:
    """The search returns each matching person once; the audit row has ids, never the number."""
    consent = FakeConsent({PERSON_B: state(objection())})
    api, audit = make_api(consent=consent)

    response = get(api, "/api/patients", {"nhs_number": [NHS_A[:3] + " " + NHS_A[3:]]})

    body = response.json()
    assert response.status_code == 200 and body["count"] == 2
    assert body["persons"][0]["demographics"]["family_name"] == "Testwoman"
    assert body["persons"][1] == {"person_id": PERSON_B, "objects_to_sharing": True}
    row = audit.entries[0]
    assert (row.query_kind, row.person_ids, row.outcome, row.shown, row.kept_back) == (
        "nhs_number",
        (PERSON_A, PERSON_B),
        "shown",
        1,
        1,
    )
    assert (row.user_id, row.purpose, row.action) == (
        "555000000001",
        "direct-care",
        "GET /api/patients",
    )
    assert (row.role_id, row.role_code, row.org_code) == (
        "555000001001",
        "S8000:G8000:R8000",
        "E81001",
    )
    assert NHS_A not in str(row) and "Testwoman" not in str(row)
    assert response.headers["X-Request-Id"] == row.request_id


def test_search_finding_nobody_is_audited_as_none_found() -> None:
    """A search with no match answers an empty list and still writes its audit row."""
    api, audit = make_api(FakeRecords([]))

    response = get(api, "/api/patients", {"family_name": ["Nobody"], "birth_date": ["1970-01-01"]})

    assert response.json() == {"persons": [], "count": 0}
    assert (audit.entries[0].outcome, audit.entries[0].query_kind) == (
        "none_found",
        "name_birth_date",
    )


def test_record_shows_items_newest_first_and_counts_kept_back() -> None:
    """The record holds demographics and each type; a withheld item is left out and counted."""
    api, audit = make_api(consent=FakeConsent({PERSON_A: state(withholding("R2"))}))

    response = get(api, f"/api/persons/{PERSON_A}/record")

    body = response.json()
    assert response.status_code == 200
    assert body["demographics"][0]["nhs_number"] == NHS_A
    assert [i["source_record_id"] for i in body["results"]["items"]] == ["R1"]
    assert body["encounters"]["items"][0]["confidentiality"] == ["R"]
    assert (body["kept_back"], body["medications"]["total"]) == (1, 1)
    row = audit.entries[0]
    assert (row.person_ids, row.outcome, row.shown, row.kept_back) == ((PERSON_A,), "shown", 4, 1)


def test_objection_is_403_with_nothing_but_the_objection() -> None:
    """A person who objects gets 403 and a body without any record content; nothing is read."""
    api, audit = make_api(
        FakeRecords(RECORD, down=True), FakeConsent({PERSON_B: state(objection())})
    )

    response = get(api, f"/api/persons/{PERSON_B}/record")

    assert response.status_code == 403
    assert response.json() == {
        "error": "the patient objects to sharing their record: nothing can be shown",
        "person_id": PERSON_B,
        "objects_to_sharing": True,
    }
    assert (audit.entries[0].outcome, audit.entries[0].person_ids) == ("objection", (PERSON_B,))


def test_unknown_person_is_a_json_404_and_audited() -> None:
    """A person the index holds nothing of gives 404 on person_id, audited as not_found."""
    api, audit = make_api()

    response = get(api, "/api/persons/person-z/record")

    assert (response.status_code, response.json()["field"]) == (404, "person_id")
    assert (audit.entries[0].outcome, audit.entries[0].person_ids) == ("not_found", ("person-z",))


def test_malformed_person_id_is_400_and_not_stored() -> None:
    """A path segment that is not a person id is refused; the audit row does not keep it."""
    api, audit = make_api()

    response = get(api, "/api/persons/999%20000%200018/record")

    assert (response.status_code, response.json()["field"]) == (400, "person_id")
    assert (audit.entries[0].outcome, audit.entries[0].person_ids) == ("rejected", ())


@pytest.mark.parametrize(
    ("path", "query"),
    [("/api/patients", {"nhs_number": [NHS_A]}), (f"/api/persons/{PERSON_A}/record", {})],
)
def test_no_audit_row_no_data(path: str, query: dict[str, list[str]]) -> None:
    """When the audit row cannot be written the answer is 503 and carries no patient data."""
    api, _ = make_api(audit=FakeAudit(fail=True))

    response = get(api, path, query)

    assert (response.status_code, response.json()) == (
        503,
        {"error": "audit log unavailable: no data returned"},
    )


def test_record_store_down_is_503_and_audited_as_error() -> None:
    """OpenSearch failing gives 503 without data, and the attempt is still audited."""
    api, audit = make_api(FakeRecords(down=True))

    response = get(api, f"/api/persons/{PERSON_A}/record")

    assert response.status_code == 503 and response.json()["error"].endswith("no data returned")
    assert (audit.entries[0].outcome, audit.entries[0].status) == ("error", 503)


def test_a_bug_is_a_json_500_without_data() -> None:
    """An unexpected exception answers 500 with a fixed message and no detail."""

    class Broken(FakeRecords):
        def patients_by_nhs_number(self, nhs: str) -> list[Any]:
            raise RuntimeError(f"boom {nhs}")

    response = get(make_api(Broken())[0], "/api/patients", {"nhs_number": [NHS_A]})

    assert (response.status_code, response.json()) == (
        500,
        {"error": "internal error: no data returned"},
    )


class _BrokenRecords(FakeRecords):
    """Every read raises an exception no port documents (a bug)."""

    def patients_by_nhs_number(self, nhs: str) -> list[Any]:
        raise RuntimeError(f"boom {nhs}")

    def person_record(self, *args: Any, **kwargs: Any) -> Any:
        raise KeyError("boom")


@pytest.mark.parametrize(
    ("path", "query", "kind", "person_ids"),
    [("/api/patients", {"nhs_number": [NHS_A]}, "nhs_number", ()),
     (f"/api/persons/{PERSON_A}/record", {}, "person_record", (PERSON_A,))],
)  # fmt: skip
def test_a_bug_while_answering_is_still_audited(
    path: str, query: dict[str, list[str]], kind: str, person_ids: tuple[str, ...]
) -> None:
    """An unexpected exception after the viewer is known writes exactly one audit row (error,
    500) before the fixed 500 body: every data request is audited, bugs included. The row and
    the log hold the exception type only, never its message (it may carry PHI)."""
    api, audit = make_api(_BrokenRecords(RECORD))

    with capture_logs() as logs:
        response = get(api, path, query)

    assert (response.status_code, response.json()) == (
        500,
        {"error": "internal error: no data returned"},
    )
    assert [(e.outcome, e.status, e.query_kind, e.person_ids) for e in audit.entries] == [
        ("error", 500, kind, person_ids)
    ]
    assert response.headers["X-Request-Id"] == audit.entries[0].request_id
    assert NHS_A not in str(logs) and "boom" not in str(logs)


def test_a_bug_with_the_audit_log_down_is_503() -> None:
    """When a bug meets an audit log that cannot take the row, the answer is the 503 of a
    missing audit row: no data, as for any answer whose row was not written."""
    api, _ = make_api(_BrokenRecords(RECORD), audit=FakeAudit(fail=True))

    response = get(api, f"/api/persons/{PERSON_A}/record")

    assert (response.status_code, response.json()) == (
        503,
        {"error": "audit log unavailable: no data returned"},
    )


def test_a_bug_in_the_audit_sink_is_503_without_data() -> None:
    """An audit sink failing in an undocumented way (not AuditError) still means no row, so
    the answer is 503 with no data, not the record."""

    class Exploding(FakeAudit):
        def append(self, entry: Any) -> None:
            raise RuntimeError("boom")

    api, _ = make_api(audit=Exploding())

    response = get(api, f"/api/persons/{PERSON_A}/record")

    assert (response.status_code, response.json()) == (
        503,
        {"error": "audit log unavailable: no data returned"},
    )


def test_a_non_ascii_digit_page_is_400_and_audited() -> None:
    """``page=²`` (superscript two: ``isdigit`` but not ``int``) is a 400 on page with its
    audit row, not a 500 without one."""
    api, audit = make_api()

    response = get(api, f"/api/persons/{PERSON_A}/record", {"page": ["\u00b2"]})

    assert (response.status_code, response.json()["field"]) == (400, "page")
    assert [(e.outcome, e.status) for e in audit.entries] == [("rejected", 400)]


def test_viewer_page_and_assets_are_served_with_a_strict_policy() -> None:
    """/ serves the viewer with a self-only content security policy; unknown files are 404."""
    api, _ = make_api()

    page = get(api, "/", headers={})
    script = get(api, "/static/app.js", headers={})
    missing = get(api, "/static/other.js", headers={})

    assert (page.status_code, page.content) == (200, b"<h1>Find a patient</h1>")
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert page.headers["X-Frame-Options"] == "DENY"
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert missing.status_code == 404


def test_shipped_viewer_files_load() -> None:
    """The real viewer files ship with the package and reference only local assets."""
    api, _ = make_api(assets=None)

    page = get(api, "/", headers={}).text

    assert "/static/app.js" in page and "/static/style.css" in page
    assert "http://" not in page and "https://" not in page
    assert get(api, "/static/style.css", headers={}).status_code == 200


def test_request_logs_hold_no_phi() -> None:
    """Logging a search and a record view leaves out NHS numbers, names and birth dates."""
    api, _ = make_api()

    with capture_logs() as logs:
        get(api, "/api/patients", {"nhs_number": [NHS_A]})
        get(api, f"/api/persons/{PERSON_A}/record")

    text = str(logs)
    assert [entry["path"] for entry in logs if entry["event"] == "api request"] == [
        "/api/patients",
        "/api/persons/{person_id}/record",
    ]
    assert NHS_A not in text and "Testwoman" not in text and "1970-01-01" not in text


# PERSON_OLD was merged into PERSON_A: the consent stage says PERSON_A owns both of its source
# keys, the index has not re-keyed its documents yet.
PERSON_OLD = "person-old"
MERGED = [
    patient_hit(PERSON_OLD, family_name="Merged", source_record_id="PAT7", local_id="L7"),
    item_hit("result", "R7", person_id=PERSON_OLD, local_id="H7"),
    item_hit("result", "R8", person_id=PERSON_OLD, local_id="H7"),
]
MOVED = {"E81001:L7": PERSON_A, "RC9:H7": PERSON_A}


def test_retired_person_whose_keys_belong_to_an_objector_is_403() -> None:
    """Reading the retired person's record when the survivor objects answers the objection:
    their state is empty, but every document belongs by source key to the objector. The row
    names both persons."""
    consent = FakeConsent({PERSON_A: state(objection())}, MOVED)
    api, audit = make_api(FakeRecords(MERGED), consent)

    response = get(api, f"/api/persons/{PERSON_OLD}/record")

    assert response.status_code == 403
    assert response.json() == {
        "error": "the patient objects to sharing their record: nothing can be shown",
        "person_id": PERSON_OLD,
        "objects_to_sharing": True,
    }
    row = audit.entries[0]
    assert (row.outcome, row.status, row.person_ids, row.shown) == (
        "objection",
        403,
        (PERSON_OLD, PERSON_A),
        0,
    )
    assert sorted(consent.asked_keys) == sorted(MOVED)


def test_one_objector_owned_key_makes_the_whole_record_an_objection() -> None:
    """Only one of the record's keys moved to a person who objects: nothing is shown, not the
    documents of the other key either (they are the same patient's)."""
    consent = FakeConsent({PERSON_A: state(objection())}, {"RC9:H7": PERSON_A})
    api, _ = make_api(FakeRecords(MERGED), consent)

    response = get(api, f"/api/persons/{PERSON_OLD}/record", {"type": ["medication"]})

    assert response.status_code == 403 and "demographics" not in response.json()


def test_retired_persons_items_follow_the_survivors_withholding() -> None:
    """An item the survivor asked to withhold is kept back from the retired person's record."""
    consent = FakeConsent({PERSON_A: state(withholding("R8"))}, MOVED)
    api, audit = make_api(FakeRecords(MERGED), consent)

    body = get(api, f"/api/persons/{PERSON_OLD}/record").json()

    assert [i["source_record_id"] for i in body["results"]["items"]] == ["R7"]
    assert body["kept_back"] == 1 and "R8" not in str(body)
    assert (audit.entries[0].outcome, audit.entries[0].person_ids) == ("shown", (PERSON_OLD,))


def test_search_lists_a_retired_person_owned_by_an_objector_as_objecting() -> None:
    """Searching finds the retired person's patient document; its key's owner objects, so the
    person is listed as objecting, without demographics."""
    consent = FakeConsent({PERSON_A: state(objection())}, MOVED)
    api, audit = make_api(FakeRecords(MERGED), consent)

    response = get(api, "/api/patients", {"family_name": ["Merged"], "birth_date": ["1970-01-01"]})

    assert response.json()["persons"] == [{"person_id": PERSON_OLD, "objects_to_sharing": True}]
    assert "Merged" not in str(response.json())
    assert (audit.entries[0].shown, audit.entries[0].kept_back) == (0, 1)


def test_a_v_patient_document_hides_contact_details_in_record_and_search() -> None:
    """A V-labelled patient document at one organisation: the record's demographics from the
    other organisation carry no address or phone, the search no postcode, both say so."""
    hits = [
        patient_hit(PERSON_A, org="E81001", confidentiality=("V",), family_name="Hidden"),
        patient_hit(PERSON_A, org="RC9", source_record_id="PAT2"),
    ]
    api, _ = make_api(FakeRecords(hits))

    record = get(api, f"/api/persons/{PERSON_A}/record").json()
    search = get(api, "/api/patients", {"family_name": ["Testwoman"], "birth_date": ["1970-01-01"]})

    assert record["contact_details_hidden"] is True
    assert [(d["org"], d["postcode"], d["address_lines"]) for d in record["demographics"]] == [
        ("RC9", None, None)
    ]
    found = search.json()["persons"][0]
    assert (found["demographics"]["postcode"], found["contact_details_hidden"]) == (None, True)
    assert "LU1 1AA" not in str(record) + str(search.json())


def test_me_names_the_user_their_roles_and_the_acting_role() -> None:
    """GET /api/me: user id, every role, the acting role (X-MCR-Role picks another held role);
    it needs no purpose and is audited with the acting role."""
    api, audit = make_api()

    selected = get(api, "/api/me", headers={"Authorization": f"Bearer {GP_TOKEN}"})
    other = get(api, "/api/me", headers={"Authorization": f"Bearer {GP_TOKEN}",
                                         "X-MCR-Role": "555000001009"})  # fmt: skip

    assert selected.status_code == 200
    body = selected.json()
    assert body["user_id"] == "555000000001" and body["selected_role_id"] == "555000001001"
    assert [r["org_code"] for r in body["roles"]] == ["E81001", "RWK"]
    assert body["acting_role"]["role_id"] == "555000001001"
    assert other.json()["acting_role"] == {"role_id": "555000001009", "org_code": "RWK",
                                           "role_code": "S8000:G8000:R8000",
                                           "role_name": "Clinical Practitioner Access Role",
                                           "categories": ["allergies", "demographics", "documents",
                                                          "encounters", "immunisations",
                                                          "medications",
                                                          "problems", "procedures",
                                                          "results"]}  # fmt: skip
    assert [(e.action, e.query_kind, e.org_code) for e in audit.entries] == [
        ("GET /api/me", "user_info", "E81001"),
        ("GET /api/me", "user_info", "RWK"),
    ]


def test_the_acting_role_is_what_the_audit_row_records() -> None:
    """A record read in the second role is audited with that role's id, code and ODS code; the
    access decision follows the acting role too (RWK holds nothing of this person, E81001
    holds their record)."""
    api, audit = make_api()

    other = get(api, f"/api/persons/{PERSON_A}/record",
                headers={**VIEWER, "X-MCR-Role": "555000001009"})  # fmt: skip
    own = get(api, f"/api/persons/{PERSON_A}/record", headers=VIEWER)

    row, mine = audit.entries
    assert (row.role_id, row.role_code, row.org_code, row.outcome) == (
        "555000001009",
        "S8000:G8000:R8000",
        "RWK",
        "forbidden",
    )
    assert other.status_code == 403 and other.json()["refusal"] == "no-relationship"
    assert own.status_code == 200 and (mine.org_code, mine.relationship) == (
        "E81001",
        "holds-record",
    )


def test_config_is_public_and_not_audited() -> None:
    """GET /api/config answers the issuer, the viewer's client id and the audience, unsigned."""
    api, audit = make_api()

    response = get(api, "/api/config", headers={})

    assert response.json() == {"issuer": "http://127.0.0.1:8180/realms/mcr",
                               "client_id": "mcr-viewer", "audience": "mcr-api"}  # fmt: skip
    assert audit.entries == []


def test_an_unreachable_issuer_is_503_and_audited() -> None:
    """When the issuer's keys cannot be had the answer is 503 (not 401), audited as an error."""
    api, audit = make_api(authenticator=FakeAuthenticator(down=True))

    response = get(api, "/api/patients", {"nhs_number": [NHS_A]})

    assert response.status_code == 503 and "persons" not in response.json()
    assert [(e.user_id, e.outcome, e.status) for e in audit.entries] == [
        ("anonymous", "error", 503)
    ]


def test_an_expired_token_names_the_rule_only() -> None:
    """401 for an expired token names the rule (exp), not the token."""
    api, _ = make_api()

    response = get(api, "/api/me", headers={"Authorization": "Bearer expired"})

    assert (response.status_code, response.json()) == (401, {
        "error": "Authorization: bearer token refused (exp)", "field": "Authorization"})  # fmt: skip


def test_search_is_rate_limited_per_user_and_429_is_audited() -> None:
    """The third search in a minute at two a minute is 429 with Retry-After, audited; the
    record route is not limited."""
    api, audit = make_api(search_per_minute=2)

    statuses = [get(api, "/api/patients", {"nhs_number": [NHS_A]}).status_code for _ in range(3)]
    limited = get(api, "/api/patients", {"nhs_number": [NHS_A]})
    record = get(api, f"/api/persons/{PERSON_A}/record")

    assert statuses == [200, 200, 429] and record.status_code == 200
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.json() == {"error": "rate limit: too many searches, try again later"}
    assert [(e.outcome, e.status, e.query_kind) for e in audit.entries[2:4]] == [
        ("rate_limited", 429, "nhs_number"),
        ("rate_limited", 429, "nhs_number"),
    ]
    assert NHS_A not in str(audit.entries)


def test_an_unknown_host_is_400_and_audited() -> None:
    """A Host header outside MCR_API_ALLOWED_HOSTS is refused (DNS rebinding), and audited."""
    api, audit = make_api()

    response = get(api, "/api/me", headers={**VIEWER, "Host": "evil.example"})

    assert (response.status_code, response.json()) == (400, {"error": "bad request"})
    assert "evil.example" not in response.text
    assert [(e.outcome, e.status) for e in audit.entries] == [("rejected", 400)]


def test_a_body_over_the_limit_is_413_and_audited() -> None:
    """A body larger than the limit is 413 before the route runs, and audited."""
    api, audit = make_api(limits=Limits(max_body_bytes=16))

    response = api.request("GET", "/api/me", headers=VIEWER, content=b"x" * 17)
    small = api.request("GET", "/api/me", headers=VIEWER, content=b"x" * 16)

    assert (response.status_code, response.json()["field"]) == (413, "body")
    assert small.status_code == 200
    assert [(e.outcome, e.status) for e in audit.entries] == [("rejected", 413), ("shown", 200)]


def test_an_answer_over_the_time_limit_is_503_without_data_and_audited() -> None:
    """A record read slower than the time limit answers 503 with no data; the row says error,
    not what the late answer would have shown."""

    class Slow(FakeRecords):
        def person_record(self, *args: Any, **kwargs: Any) -> Any:
            time.sleep(0.5)
            return super().person_record(*args, **kwargs)

    api, audit = make_api(Slow(RECORD), limits=Limits(time_limit_s=0.1))

    response = get(api, f"/api/persons/{PERSON_A}/record")

    assert (response.status_code, response.json()) == (503, {
        "error": "time limit: no data returned"})  # fmt: skip
    assert [(e.outcome, e.status, e.shown) for e in audit.entries] == [("error", 503, 0)]


def test_unknown_route_and_static_file_audit() -> None:
    """An unknown API route is audited (not_found); an unknown static file is not."""
    api, audit = make_api()

    get(api, "/api/nothing")
    get(api, "/static/none.js", headers={})

    assert [(e.action, e.outcome, e.status) for e in audit.entries] == [
        ("GET unmatched", "not_found", 404)
    ]


def test_openapi_document_describes_every_route_and_answer() -> None:
    """/api/openapi.json lists the API routes with their answers and the bearer scheme; it is
    served without sign-in and not audited."""
    api, audit = make_api()

    doc = get(api, "/api/openapi.json", headers={}).json()

    paths = doc["paths"]
    assert set(paths) == {"/api/health", "/api/health/ready", "/api/config", "/api/me",
                          "/api/patients",
                          "/api/persons/{person_id}/record",
                          "/api/persons/{person_id}/timeline",
                          "/api/persons/{person_id}/documents/{document_id}/content",
                          "/api/persons/{person_id}/break-glass",
                          "/api/persons/{person_id}/objection",
                          "/api/audit/access-report", "/api/audit/break-glass",
                          "/api/public/organisations", "/api/planning/report"}  # fmt: skip
    assert set(paths["/api/patients"]["get"]["responses"]) >= {
        "200", "400", "401", "404", "405", "429", "503"}  # fmt: skip
    assert set(paths["/api/persons/{person_id}/record"]["get"]["responses"]) >= {
        "200", "400", "401", "403", "404", "503"}  # fmt: skip
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert audit.entries == []


def test_no_server_or_version_header() -> None:
    """Answers carry no Server header and no version anywhere in the headers."""
    api, _ = make_api()

    response = get(api, "/api/me")

    assert "server" not in {k.lower() for k in response.headers}
    assert not any("uvicorn" in v.lower() or "starlette" in v.lower()
                   for v in response.headers.values())  # fmt: skip
