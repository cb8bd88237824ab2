"""The query service over real HTTP, on real OpenSearch and PostgreSQL: search, record, consent
at read, the audit chain and its tamper detection, and the error bodies."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import psycopg
from typer.testing import CliRunner

from consumers.api import audit
from consumers.api.cli import app as api_cli
from schemas import nhs_number
from streams.consent import repository as consent_repository
from streams.consent.state import Decision, Preference, Scope
from tests.conftest import unique_name
from tests.integration.api.conftest import GP_USER_ID, ApiStack, medication, patient, result

NHS_A = nhs_number.test_number(101)
NHS_B = nhs_number.test_number(102)
NHS_OLD = nhs_number.test_number(103)
PERSON_A = "p-a"
PERSON_B = "p-b"


def _region(api: ApiStack) -> None:
    """Person A at two organisations with results and a medication; person B elsewhere."""
    api.index(
        PERSON_A,
        patient("E81001", "L1", "PAT-A1", nhs=NHS_A, family="Testwoman"),
        patient("RC9", "H1", "PAT-A2", nhs=NHS_A, family="Testwoman"),
        result("RC9", "H1", "R1", minutes=10),
        result("RC9", "H1", "R2", value=9.1, minutes=20),
        result("RC9", "H1", "R3", minutes=30, operation="DELETE"),
        medication("E81001", "L1", "M1"),
    )
    api.index(PERSON_B, patient("E81002", "L9", "PAT-B", nhs=NHS_B, family="Otherwoman"))


def test_search_by_nhs_number_finds_the_person_once(api_stack: ApiStack) -> None:
    """Two organisations' records of one person give one match with display demographics."""
    _region(api_stack)

    reply = api_stack.get(f"/api/patients?nhs_number={NHS_A[:3]}%20{NHS_A[3:]}")

    assert reply.status == 200 and reply.body["count"] == 1
    match = reply.body["persons"][0]
    assert (match["person_id"], match["sources"], match["objects_to_sharing"]) == (
        PERSON_A,
        2,
        False,
    )
    assert match["demographics"]["family_name"] == "Testwoman"


def test_search_by_family_name_and_birth_date(api_stack: ApiStack) -> None:
    """Family name matches whatever its case; the birth date must be exact."""
    _region(api_stack)

    found = api_stack.get("/api/patients?family_name=otherWOMAN&birth_date=1970-01-01")
    missed = api_stack.get("/api/patients?family_name=Otherwoman&birth_date=1970-01-02")

    assert [p["person_id"] for p in found.body["persons"]] == [PERSON_B]
    assert missed.body == {"persons": [], "count": 0}


def test_record_view_is_newest_first_without_tombstones(api_stack: ApiStack) -> None:
    """The record shows demographics, live results newest first and medications; a deleted
    result is gone; pages say when there is more."""
    _region(api_stack)

    reply = api_stack.get(f"/api/persons/{PERSON_A}/record")
    paged = api_stack.get(f"/api/persons/{PERSON_A}/record?type=result&page=2&page_size=1")

    body = reply.body
    assert reply.status == 200
    assert sorted(d["org"] for d in body["demographics"]) == ["E81001", "RC9"]
    assert [i["source_record_id"] for i in body["results"]["items"]] == ["R2", "R1"]
    assert body["results"]["items"][0]["result"]["value_quantity"] == 9.1
    assert body["results"]["total"] == 2 and body["kept_back"] == 0
    medicines = [i["medication"]["medication"]["display"] for i in body["medications"]["items"]]
    assert medicines == ["Amlodipine 5mg"]
    assert [i["source_record_id"] for i in paged.body["results"]["items"]] == ["R1"]
    assert (paged.body["results"]["has_more"], "medications" in paged.body) == (False, False)


def test_current_medicines_come_first_and_are_marked(api_stack: ApiStack) -> None:
    """Medicines: current ones first (active, on hold or unknown, with no past end date), then
    ended ones (stopped, completed, or an end date before today), each newest first; every
    item says which it is, on every page, as the OpenSearch clause and medicines.py agree."""
    today = datetime.now(UTC).date()
    past_day, next_year = today - timedelta(days=1), today + timedelta(days=365)
    api_stack.index(
        PERSON_A,
        patient("E81001", "L1", "PAT-A", nhs=NHS_A, family="Testwoman"),
        medication("E81001", "L1", "STOPPED", display="Ramipril", status="STOPPED", minutes=50),
        medication("E81001", "L1", "ENDED", display="Amoxicillin", end_date=past_day, minutes=40),
        medication("E81001", "L1", "OLD", display="Amlodipine", minutes=10),
        medication("E81001", "L1", "UNKNOWN", display="Salbutamol", status="UNKNOWN", minutes=5),
        medication("E81001", "L1", "UNTIL", display="Sertraline", end_date=next_year, minutes=1),
        medication("E81001", "L1", "DONE", display="Prednisolone", status="COMPLETED"),
    )

    whole = api_stack.get(f"/api/persons/{PERSON_A}/record?type=medication").body["medications"]
    pages = [
        api_stack.get(f"/api/persons/{PERSON_A}/record?type=medication&page={n}&page_size=2").body[
            "medications"
        ]["items"]
        for n in (1, 2, 3)
    ]

    listed = [(i["source_record_id"], i["current"]) for i in whole["items"]]
    assert listed == [
        ("OLD", True), ("UNKNOWN", True), ("UNTIL", True),
        ("STOPPED", False), ("ENDED", False), ("DONE", False),
    ]  # fmt: skip
    assert [(i["source_record_id"], i["current"]) for page in pages for i in page] == listed


def test_objection_gives_403_and_no_data(api_stack: ApiStack) -> None:
    """A person who objects: the record is 403 with only the objection, and search lists them
    without demographics; both refusals are audited."""
    _region(api_stack)
    denial = Preference("E81001", "C1", 1, Scope.SHARED_CARE_RECORD, Decision.DENY)
    api_stack.consent(denial, source_key="E81001:L1", person_id=PERSON_A)

    record = api_stack.get(f"/api/persons/{PERSON_A}/record")
    search = api_stack.get(f"/api/patients?nhs_number={NHS_A}")

    assert record.status == 403
    assert record.body == {
        "error": "the patient objects to sharing their record: nothing can be shown",
        "person_id": PERSON_A,
        "objects_to_sharing": True,
    }
    assert search.body["persons"] == [{"person_id": PERSON_A, "objects_to_sharing": True}]
    outcomes = [(row.entry.outcome, row.entry.status) for row in api_stack.audit_rows()]
    assert outcomes == [("objection", 403), ("shown", 200)]


def test_withheld_and_sensitive_items_are_removed_restricted_shown(api_stack: ApiStack) -> None:
    """A withheld result and a V-labelled one are left out and counted; an R one is shown."""
    _region(api_stack)
    api_stack.index(
        PERSON_A,
        result("RC9", "H1", "R4", minutes=40, labels=("V",)),
        result("RC9", "H1", "R5", minutes=50, labels=("R",)),
    )
    withhold = Preference(
        "RC9", "C2", 1, Scope.ITEM_WITHHELD, Decision.DENY, withheld_record_ids=frozenset({"R2"})
    )
    api_stack.consent(withhold, source_key="RC9:H1", person_id=PERSON_A)

    body = api_stack.get(f"/api/persons/{PERSON_A}/record").body

    assert [i["source_record_id"] for i in body["results"]["items"]] == ["R5", "R1"]
    assert body["results"]["items"][0]["confidentiality"] == ["R"]
    assert (body["kept_back"], body["results"]["total"]) == (2, 4)
    assert "R2" not in str(body["results"]["items"]) and "R4" not in str(body)


def test_every_data_request_is_audited_and_the_chain_verifies(api_stack: ApiStack) -> None:
    """One row per data request, written before the answer, holding ids and counts only; the
    chain verifies, through the function and the CLI."""
    _region(api_stack)

    replies = [
        api_stack.get(f"/api/patients?nhs_number={NHS_A}"),
        api_stack.get(f"/api/persons/{PERSON_A}/record"),
        api_stack.get("/api/patients?nhs_number=1234567890"),
        api_stack.get("/api/health"),
    ]

    rows = api_stack.audit_rows()
    assert [r.entry.request_id for r in rows] == [r.headers["X-Request-Id"] for r in replies[:3]]
    assert [(r.entry.query_kind, r.entry.person_ids, r.entry.outcome) for r in rows] == [
        ("nhs_number", (PERSON_A,), "shown"),
        ("person_record", (PERSON_A,), "shown"),
        ("nhs_number", (), "rejected"),
    ]
    assert rows[1].entry.shown == 5  # two demographics, two results, one medication
    stored = str(rows)
    assert NHS_A not in stored and "Testwoman" not in stored and "1970" not in stored
    assert audit.verify_log(api_stack.audit_conn).checked == 3
    verified = CliRunner().invoke(
        api_cli,
        ["audit-verify"],
        env={
            "MCR_OPERATOR_DSN": api_stack.settings.operator_dsn.get_secret_value(),
            "MCR_API_AUDIT_SCHEMA": api_stack.settings.audit_schema,
        },
    )
    assert verified.exit_code == 0 and "audit chain intact: 3 row(s)" in verified.output


def test_concurrent_requests_keep_one_unbroken_chain(api_stack: ApiStack) -> None:
    """Twenty requests at once give twenty rows, seq 1-20, and the chain verifies."""
    _region(api_stack)

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(
            pool.map(lambda _: api_stack.get(f"/api/persons/{PERSON_A}/record").status, range(20))
        )

    assert statuses == [200] * 20
    result_ = audit.verify_log(api_stack.audit_conn)
    assert (result_.ok, result_.checked) == (True, 20)


def test_tampering_with_a_row_is_detected(api_stack: ApiStack) -> None:
    """Editing who viewed a record, or deleting a row, is reported at that row."""
    _region(api_stack)
    for _ in range(3):
        api_stack.get(f"/api/persons/{PERSON_A}/record")
    env = {
        "MCR_OPERATOR_DSN": api_stack.settings.operator_dsn.get_secret_value(),
        "MCR_API_AUDIT_SCHEMA": api_stack.settings.audit_schema,
    }

    api_stack.audit_conn.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")  # as its owner
    api_stack.audit_conn.execute("UPDATE audit_log SET user_id = 'someone-else' WHERE seq = 2")
    edited = audit.verify_log(api_stack.audit_conn)
    cli = CliRunner().invoke(api_cli, ["audit-verify"], env=env)
    api_stack.audit_conn.execute("UPDATE audit_log SET user_id = %s WHERE seq = 2", (GP_USER_ID,))
    restored = audit.verify_log(api_stack.audit_conn)
    api_stack.audit_conn.execute("DELETE FROM audit_log WHERE seq = 2")
    deleted = audit.verify_log(api_stack.audit_conn)

    assert (edited.ok, edited.broken_seq, edited.reason.split(":")[0]) == (False, 2, "hash")
    assert cli.exit_code == 1 and "BROKEN: row 2: hash" in cli.output
    assert restored.ok
    assert (deleted.broken_seq, deleted.reason.split(":")[0]) == (3, "seq")


def test_no_audit_row_means_no_data(api_stack: ApiStack) -> None:
    """When the audit table cannot take the row, the record is not returned (503)."""
    _region(api_stack)
    assert api_stack.get(f"/api/persons/{PERSON_A}/record").status == 200  # connection open
    api_stack.audit_conn.execute("ALTER TABLE audit_log RENAME TO audit_log_moved")
    try:
        reply = api_stack.get(f"/api/persons/{PERSON_A}/record")
    finally:
        api_stack.audit_conn.execute("ALTER TABLE audit_log_moved RENAME TO audit_log")

    assert (reply.status, reply.body) == (503, {"error": "audit log unavailable: no data returned"})


def test_error_bodies_are_json_and_name_the_field(api_stack: ApiStack) -> None:
    """401, 400, 404 and 405 answer JSON; field errors name the field, never the value."""
    _region(api_stack)
    wrong = NHS_A[:9] + str((int(NHS_A[9]) + 1) % 10)

    no_user = api_stack.get(f"/api/persons/{PERSON_A}/record", headers={})
    user_header_only = api_stack.get(
        f"/api/persons/{PERSON_A}/record",
        headers={"X-MCR-User": "demo-clinician", "X-MCR-Purpose": "direct-care"},
    )
    bad_nhs = api_stack.get(f"/api/patients?nhs_number={wrong}")
    no_route = api_stack.get("/api/elsewhere")
    nobody = api_stack.get("/api/persons/p-nobody/record")
    posted = api_stack.get("/api/patients", method="POST")

    assert (no_user.status, no_user.body) == (
        401,
        {"error": "Authorization: a bearer token is required", "field": "Authorization"},
    )
    assert (user_header_only.status, user_header_only.body) == (no_user.status, no_user.body)
    assert no_user.headers["WWW-Authenticate"].startswith("Bearer")
    assert (bad_nhs.status, bad_nhs.body) == (
        400,
        {"error": "nhs_number: fails the Modulus 11 check", "field": "nhs_number"},
    )
    assert (no_route.status, no_route.body) == (404, {"error": "no such route"})
    assert (nobody.status, nobody.body["field"]) == (404, "person_id")
    assert (posted.status, posted.headers["Allow"]) == (405, "GET")


def test_viewer_is_served(api_stack: ApiStack) -> None:
    """GET / serves the viewer page with its own script and a strict content policy."""
    reply = api_stack.get("/", headers={})

    assert reply.status == 200 and "Find a patient" in reply.body
    assert "script-src 'self'" in reply.headers["Content-Security-Policy"]


def _schema_exists(api: ApiStack, name: str) -> bool:
    with psycopg.connect(api.settings.postgres_dsn.get_secret_value(), autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (name,))
        return found.fetchone() is not None


def test_a_mistyped_consent_schema_is_503_and_creates_nothing(api_stack: ApiStack) -> None:
    """MCR_CONSENT_SCHEMA naming a schema that does not exist: every data request is 503
    without data and audited as an error, and the schema is not created (a created, empty
    schema would be a consent state in which nobody objects)."""
    _region(api_stack)
    denial = Preference("E81001", "C1", 1, Scope.SHARED_CARE_RECORD, Decision.DENY)
    api_stack.consent(denial, source_key="E81001:L1", person_id=PERSON_A)
    mistyped = unique_name("t_no_such_consent")

    with api_stack.variant(consent_schema=mistyped) as wrong:
        record = wrong.get(f"/api/persons/{PERSON_A}/record")
        search = wrong.get(f"/api/patients?nhs_number={NHS_A}")

    assert (record.status, search.status) == (503, 503)
    assert record.body["error"].startswith("consent state:")
    assert "persons" not in search.body and "demographics" not in str(record.body)
    rows = [(r.entry.outcome, r.entry.status) for r in api_stack.audit_rows()]
    assert rows == [("error", 503), ("error", 503)]
    assert not _schema_exists(api_stack, mistyped)


def test_a_consent_schema_without_the_consent_tables_is_503(api_stack: ApiStack) -> None:
    """A schema that exists but lacks ``source_persons`` (not the consent stage's) is refused
    the same way, and no table is created in it."""
    _region(api_stack)
    bare = unique_name("t_bare_consent")
    with psycopg.connect(api_stack.stack.consent_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{bare}"')
        conn.execute(f'CREATE TABLE "{bare}".preferences (org text)')
    try:
        with api_stack.variant(consent_schema=bare) as wrong:
            reply = wrong.get(f"/api/persons/{PERSON_A}/record")
        with psycopg.connect(api_stack.stack.consent_dsn, autocommit=True) as conn:
            tables = conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s", (bare,)
            ).fetchall()
    finally:
        with psycopg.connect(api_stack.stack.consent_dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{bare}" CASCADE')

    assert reply.status == 503 and "source_persons" in reply.body["error"]
    assert tables == [("preferences",)]
    assert [(r.entry.outcome, r.entry.status) for r in api_stack.audit_rows()] == [("error", 503)]


PERSON_OLD = "p-old"
OLD_KEYS = ["E81003:L5", "RC9:H5"]


def _merged_but_not_rekeyed(api: ApiStack, *preferences: tuple[Preference, str]) -> None:
    """PERSON_OLD's documents are indexed under PERSON_OLD, and its ``preferences`` (with the
    source key each came from) were stored with PERSON_OLD; then a MERGE into PERSON_A moved
    its source keys in the consent stage, and the projection has not re-keyed the documents
    yet. PERSON_OLD's own consent state is now empty."""
    _region(api)
    api.index(
        PERSON_OLD,
        patient("E81003", "L5", "PAT-O", nhs=NHS_OLD, family="Mergedwoman"),
        result("RC9", "H5", "R6", minutes=60),
        result("RC9", "H5", "R7", value=8.8, minutes=70),
    )
    for preference, key in preferences:
        api.consent(preference, source_key=key, person_id=PERSON_OLD)
    consent_repository.move_source_keys(
        api.consent_conn, OLD_KEYS, person_id=PERSON_A, changed_at=datetime.now(UTC)
    )
    assert consent_repository.states(api.consent_conn, [PERSON_OLD])[PERSON_OLD].preferences == {}


def test_retired_persons_documents_follow_the_source_key_owners_objection(
    api_stack: ApiStack,
) -> None:
    """After a merge into a person who objects, the retired person's not yet re-keyed record
    is a 403 objection and their search entry has no demographics, although their own state
    is empty; the audit row names both persons."""
    denial = Preference("E81003", "C5", 1, Scope.SHARED_CARE_RECORD, Decision.DENY)
    _merged_but_not_rekeyed(api_stack, (denial, "E81003:L5"))

    record = api_stack.get(f"/api/persons/{PERSON_OLD}/record")
    search = api_stack.get(f"/api/patients?nhs_number={NHS_OLD}")

    assert (record.status, record.body["objects_to_sharing"]) == (403, True)
    assert "demographics" not in record.body and "8.8" not in str(record.body)
    assert search.body["persons"] == [{"person_id": PERSON_OLD, "objects_to_sharing": True}]
    rows = [(r.entry.outcome, r.entry.status, r.entry.person_ids) for r in api_stack.audit_rows()]
    assert rows == [
        ("objection", 403, (PERSON_A, PERSON_OLD)),
        ("shown", 200, (PERSON_OLD,)),
    ]


def test_retired_persons_items_follow_the_source_key_owners_withholding(
    api_stack: ApiStack,
) -> None:
    """An item withheld at the retired person's request, whose preference moved to the
    survivor with its source key, stays back from the retired person's record."""
    withhold = Preference(
        "RC9", "C6", 1, Scope.ITEM_WITHHELD, Decision.DENY, withheld_record_ids=frozenset({"R7"})
    )
    _merged_but_not_rekeyed(api_stack, (withhold, "RC9:H5"))

    body = api_stack.get(f"/api/persons/{PERSON_OLD}/record").body

    assert [i["source_record_id"] for i in body["results"]["items"]] == ["R6"]
    assert (body["results"]["total"], body["kept_back"]) == (2, 1)
    assert "R7" not in str(body["results"]["items"])


def test_a_v_patient_document_hides_every_organisations_contact_details(
    api_stack: ApiStack,
) -> None:
    """Person A's patient document at E81001 becomes V (a protected address): the record
    shows RC9's demographics without address or phone, the search no postcode, and both say
    the contact details are hidden. Person B, without V, keeps theirs."""
    _region(api_stack)
    api_stack.index(
        PERSON_A,
        patient("E81001", "L1", "PAT-A3", nhs=NHS_A, family="Testwoman", labels=("V",)),
    )

    record = api_stack.get(f"/api/persons/{PERSON_A}/record").body
    search = api_stack.get("/api/patients?family_name=Testwoman&birth_date=1970-01-01").body
    other = api_stack.get(f"/api/persons/{PERSON_B}/record").body

    assert record["contact_details_hidden"] is True
    assert sorted(d["org"] for d in record["demographics"]) == ["E81001", "RC9"]
    assert {(d["postcode"], d["address_lines"], d["phone"]) for d in record["demographics"]} == {
        (None, None, None)
    }
    assert "LU1 1AA" not in str(record) and "Example Street" not in str(record)
    assert record["kept_back"] == 1
    found = search["persons"][0]
    assert (found["demographics"]["postcode"], found["contact_details_hidden"]) == (None, True)
    assert other["contact_details_hidden"] is False
    assert other["demographics"][0]["postcode"] == "LU1 1AA"
