"""The FHIR routes on fake ports: the viewer's sign-in, consent at read and audit row apply;
searchsets page with opaque tokens; every error is an OperationOutcome that repeats nothing the
client sent; everything served is valid R4 (tests/fhir_r4.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from consumers.api.access import Hit
from consumers.api.fhir.mapping import fhir_item_id
from tests.fhir_r4 import invalid
from tests.unit.consumers.api.builders import (
    NHS_A,
    PERSON_A,
    PERSON_B,
    FakeAudit,
    FakeConsent,
    FakeRecords,
    item_hit,
    objection,
    patient_hit,
    state,
    withholding,
)
from tests.unit.consumers.api.test_app import RECORD, VIEWER, make_api

FHIR = "/fhir/R4"
MARKER = "ZZMARKER!4242"  # not a person id, a date, a number or a parameter name
MANY = [patient_hit(PERSON_A)] + [
    item_hit("result", f"R{n}", occurred_at=f"2024-03-{n:02d}T09:00:00.000Z") for n in range(1, 8)
]


def fhir(api: TestClient, path: str, headers: dict[str, str] | None = None) -> Any:
    """GET ``path``: the response, checked to be FHIR JSON."""
    response = api.get(FHIR + path, headers=VIEWER if headers is None else headers)
    assert response.headers["content-type"].startswith("application/fhir+json"), path
    return response


def outcome_code(response: Any) -> str:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert invalid(body) == []
    return str(body["issue"][0]["code"])


def test_metadata_needs_no_sign_in_and_is_not_audited() -> None:
    """The CapabilityStatement is served to anyone and writes no audit row."""
    api, audit = make_api()
    response = fhir(api, "/metadata", headers={})
    assert response.status_code == 200
    assert response.json()["resourceType"] == "CapabilityStatement"
    assert audit.entries == []


def test_observations_of_a_patient_with_one_audit_row() -> None:
    """A GP's Observation search returns the patient's results, valid R4, audited once."""
    api, audit = make_api()
    response = fhir(api, f"/Observation?patient=Patient/{PERSON_A}")
    bundle = response.json()
    assert response.status_code == 200
    assert bundle["total"] == 2
    ids = [entry["resource"]["id"] for entry in bundle["entry"]]
    assert ids == [fhir_item_id("RC9", "R1"), fhir_item_id("RC9", "R2")]
    assert invalid(bundle) == []
    [row] = audit.entries
    assert (row.action, row.person_ids, row.outcome, row.shown) == (
        "GET /fhir/R4/Observation", (PERSON_A,), "shown", 2)  # fmt: skip


@pytest.mark.parametrize(
    ("path", "resource_type"),
    [(f"/MedicationStatement?subject={PERSON_A}", "MedicationStatement"),
     (f"/Encounter?patient={PERSON_A}", "Encounter")],
)  # fmt: skip
def test_every_item_type_is_searchable(path: str, resource_type: str) -> None:
    """MedicationStatement and Encounter searches return their resource type, valid R4."""
    api, _ = make_api()
    bundle = fhir(api, path).json()
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == [resource_type]
    assert invalid(bundle) == []


@pytest.mark.parametrize(
    ("record_type", "resource_type"),
    [("condition", "Condition"), ("allergy", "AllergyIntolerance"),
     ("immunisation", "Immunization"), ("procedure", "Procedure"),
     ("document", "DocumentReference")],
)  # fmt: skip
def test_the_newer_item_types_are_searchable_and_readable(
    record_type: str, resource_type: str
) -> None:
    """Condition, AllergyIntolerance, Immunization, Procedure and DocumentReference: a search and a read, valid R4; a
    sensitive one is kept back with an outcome."""
    records = FakeRecords([patient_hit(PERSON_A), item_hit(record_type, "X1"),
                           item_hit(record_type, "X2", confidentiality=("hiv",))])  # fmt: skip
    api, _ = make_api(records)
    bundle = fhir(api, f"/{resource_type}?patient={PERSON_A}").json()
    kinds = [(e["resource"]["resourceType"], e["search"]["mode"]) for e in bundle["entry"]]
    assert kinds == [(resource_type, "match"), ("OperationOutcome", "outcome")]
    assert invalid(bundle) == []
    one = fhir(api, f"/{resource_type}/{fhir_item_id('RC9', 'X1')}")
    assert one.status_code == 200 and one.json() == bundle["entry"][0]["resource"]
    hidden = fhir(api, f"/{resource_type}/{fhir_item_id('RC9', 'X2')}")
    assert hidden.status_code == 404


def test_read_by_id_and_an_unknown_id_is_404() -> None:
    """An item is read by its FHIR id; an id never issued is 404, as an OperationOutcome."""
    api, _ = make_api()
    found = fhir(api, f"/Observation/{fhir_item_id('RC9', 'R1')}")
    assert found.status_code == 200 and found.json()["id"] == fhir_item_id("RC9", "R1")
    missing = fhir(api, f"/Observation/{fhir_item_id('RC9', 'NOPE')}")
    assert missing.status_code == 404 and outcome_code(missing) == "not-found"


def test_paging_follows_opaque_next_links_to_the_end() -> None:
    """_count pages the search; next links carry only a token and reach every item once."""
    api, _ = make_api(FakeRecords(MANY))
    url, seen, pages = f"/Observation?patient={PERSON_A}&_count=3", [], 0
    while url:
        bundle = fhir(api, url).json()
        assert bundle["total"] == 7 and invalid(bundle) == []
        seen += [e["resource"]["id"] for e in bundle.get("entry", ())]
        nxt = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
        if nxt:
            assert set(parse_qs(urlsplit(nxt[0]).query)) == {"_page_token"}
            assert PERSON_A not in nxt[0]
        url = nxt[0].split(FHIR, 1)[1] if nxt else ""
        pages += 1
    assert pages == 3 and len(seen) == len(set(seen)) == 7


def test_a_date_range_narrows_the_search() -> None:
    """date=ge..&date=lt.. keeps the items that occurred in the range only."""
    api, _ = make_api(FakeRecords(MANY))
    bundle = fhir(api, f"/Observation?patient={PERSON_A}&date=ge2024-03-03&date=lt2024-03-05")
    assert bundle.json()["total"] == 2


@pytest.mark.parametrize(
    "query",
    [f"patient={MARKER}", f"patient={PERSON_A}&date={MARKER}", f"patient={PERSON_A}&_count={MARKER}",
     f"patient={PERSON_A}&{MARKER}=1", f"_page_token={MARKER}", f"patient={PERSON_A}&date=ge2024-01-01&date=ge{MARKER}"],
)  # fmt: skip
def test_bad_parameters_are_400_outcomes_that_never_echo_them(query: str) -> None:
    """A bad parameter is a 400 OperationOutcome that does not repeat what was sent."""
    api, audit = make_api()
    response = fhir(api, f"/Observation?{query}")
    assert response.status_code == 400 and outcome_code(response) == "invalid"
    assert MARKER not in response.text
    assert audit.entries[-1].outcome == "rejected"


def test_a_page_token_of_another_person_is_refused_by_everything() -> None:
    """$everything refuses a page token made for someone else's search."""
    api, _ = make_api(FakeRecords(MANY))
    first = fhir(api, f"/Observation?patient={PERSON_A}&_count=1").json()
    token = next(link["url"] for link in first["link"] if link["relation"] == "next")
    query = urlsplit(token).query
    response = fhir(api, f"/Patient/{PERSON_B}/$everything?{query}")
    assert response.status_code == 400


def test_sign_in_is_required_and_a_401_is_an_outcome() -> None:
    """No bearer token is 401 with an OperationOutcome (login) and WWW-Authenticate."""
    api, audit = make_api()
    response = fhir(api, f"/Observation?patient={PERSON_A}", headers={})
    assert response.status_code == 401 and outcome_code(response) == "login"
    assert "bearer" in response.headers["www-authenticate"].lower()
    assert audit.entries[-1].outcome == "unauthenticated"


def test_an_objectors_record_is_not_served() -> None:
    """A patient who objects: 403 forbidden, nothing of the record, whatever is asked."""
    api, audit = make_api(consent=FakeConsent({PERSON_B: state(objection())}))
    for path in (f"/Patient/{PERSON_B}", f"/Observation?patient={PERSON_B}",
                 f"/Patient/{PERSON_B}/$everything"):  # fmt: skip
        response = fhir(api, path)
        assert response.status_code == 403 and outcome_code(response) == "forbidden"
        assert "Objector" not in response.text and NHS_A not in response.text
    assert {row.outcome for row in audit.entries} == {"objection"}
    search = fhir(api, f"/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|{NHS_A}").json()
    assert [e["resource"]["id"] for e in search.get("entry", ())] == [PERSON_A]


def test_withheld_items_are_kept_back_with_an_outcome_entry() -> None:
    """A withheld result is not served; the Bundle says one item was kept back."""
    api, _ = make_api(consent=FakeConsent({PERSON_A: state(withholding("R1"))}))
    bundle = fhir(api, f"/Observation?patient={PERSON_A}").json()
    ids = [e["resource"]["id"] for e in bundle["entry"] if e["search"]["mode"] == "match"]
    assert ids == [fhir_item_id("RC9", "R2")]
    assert bundle["entry"][-1]["resource"]["resourceType"] == "OperationOutcome"
    withheld = fhir(api, f"/Observation/{fhir_item_id('RC9', 'R1')}")
    assert withheld.status_code == 404


def test_patient_search_by_name_and_birthdate_and_read() -> None:
    """name + birthdate finds the Patient; its read gives the same id; both valid R4."""
    api, _ = make_api()
    search = fhir(api, "/Patient?name=Testwoman&birthdate=1970-01-01").json()
    assert [e["resource"]["id"] for e in search["entry"]] == [PERSON_A]
    assert invalid(search) == []
    read = fhir(api, f"/Patient/{PERSON_A}").json()
    assert read["identifier"][0]["value"] == NHS_A and invalid(read) == []


@pytest.mark.parametrize(
    "query",
    [f"identifier={MARKER}", f"identifier=https://fhir.nhs.uk/Id/nhs-number|{MARKER}",
     f"name={MARKER}", f"name=Testwoman&birthdate={MARKER}", f"gender={MARKER}"],
)  # fmt: skip
def test_bad_patient_searches_are_400_without_the_value(query: str) -> None:
    """A bad Patient search is a 400 OperationOutcome that does not repeat what was sent."""
    api, _ = make_api()
    response = fhir(api, f"/Patient?{query}")
    assert response.status_code == 400 and MARKER not in response.text


def test_everything_returns_the_patient_and_every_item_type() -> None:
    """$everything: the Patient first, then results, medicines and encounters, valid R4."""
    api, audit = make_api(FakeRecords(RECORD))
    bundle = fhir(api, f"/Patient/{PERSON_A}/$everything").json()
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds == ["Patient", "Observation", "Observation", "MedicationStatement", "Encounter"]
    assert invalid(bundle) == []
    assert audit.entries[-1].action == "GET /fhir/R4/Patient/{person_id}/$everything"


def test_no_such_route_is_a_404_outcome() -> None:
    """An unknown resource type under /fhir is a 404 OperationOutcome."""
    api, _ = make_api()
    response = fhir(api, f"/{MARKER}")
    assert response.status_code == 404 and MARKER not in response.text
    assert outcome_code(response) == "not-found"


def test_the_guards_own_errors_are_outcomes_too() -> None:
    """A body over the limit (413) and a lost audit log (503) answer OperationOutcomes."""
    api, _ = make_api()
    large = api.request("GET", f"{FHIR}/Observation?patient={PERSON_A}", headers=VIEWER,
                        content=b"x" * 20_000)  # fmt: skip
    assert large.status_code == 413 and outcome_code(large) == "too-costly"
    lost, _ = make_api(audit=FakeAudit(fail=True))
    response = fhir(lost, f"/Observation?patient={PERSON_A}")
    assert response.status_code == 503 and outcome_code(response) == "transient"
    assert "Testwoman" not in response.text


def test_refusals_are_audited_with_the_kind_of_search_and_the_person() -> None:
    """A refused Patient search records the kind of query; a failed item search its person."""
    api, audit = make_api()
    fhir(api, f"/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|{NHS_A}", headers={})
    assert (audit.entries[-1].query_kind, audit.entries[-1].status) == ("nhs_number", 401)
    down, sink = make_api(FakeRecords(RECORD, down=True))
    assert fhir(down, f"/Encounter?patient={PERSON_A}").status_code == 503
    assert (sink.entries[-1].person_ids, sink.entries[-1].outcome) == ((PERSON_A,), "error")


def _encounter(org: str, record_id: str, ended: str) -> Hit:
    hit = item_hit("encounter", record_id, org=org, occurred_at=ended)
    content = {**hit.source["encounter"], "period_end": ended}
    return Hit(hit.doc_id, {**hit.source, "encounter": content})


def test_the_care_relationship_is_judged_on_the_first_page_of_encounters() -> None:
    """A Patient read (one encounter read) and a narrowed Encounter search still find the
    relationship in an older encounter at the user's organisation."""
    elsewhere = patient_hit(PERSON_A, org="RC9")
    moved = {**elsewhere.source["patient"], "registered_gp_practice": "Y00001"}
    records = FakeRecords([
        Hit(elsewhere.doc_id, {**elsewhere.source, "patient": moved}),
        _encounter("RC9", "E-NEW", "2025-02-01T00:00:00.000Z"),
        _encounter("E81001", "E-OLD", "2025-01-01T00:00:00.000Z"),
    ])  # fmt: skip
    api, _ = make_api(records)
    assert fhir(api, f"/Patient/{PERSON_A}").status_code == 200
    narrowed = fhir(api, f"/Encounter?patient={PERSON_A}&date=ge2025-02-01")
    assert narrowed.status_code == 200 and narrowed.json()["total"] == 1
