"""The FHIR R4 read API over real HTTP on the real stack: Keycloak tokens, the OpenSearch
record, consent in PostgreSQL and the hash-chained audit log. Every resource served is
checked against the R4 models (tests/fhir_r4.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from consumers.api.fhir.mapping import fhir_item_id
from schemas import nhs_number
from streams.consent.state import Decision, Preference, Scope
from tests.fhir_r4 import invalid
from tests.integration.api.conftest import (
    GP_ORG,
    GP_USER_ID,
    PURPOSE,
    ApiStack,
    access_token,
    bearer,
    medication,
    patient,
    result,
)

NHS_A = nhs_number.test_number(201)
PERSON_A = "p-fhir-a"
FHIR = "/fhir/R4"
MARKER = "ZZMARKER!4242"


def _record(api: ApiStack, results: int = 3) -> None:
    """Person A registered at the demo GP's practice, with results and a medicine there."""
    api.index(
        PERSON_A,
        patient(GP_ORG, "L1", "PAT-F1", nhs=NHS_A, family="Testwoman"),
        *(result(GP_ORG, "L1", f"R{n}", minutes=n) for n in range(results)),
        medication(GP_ORG, "L1", "M1"),
    )


def _resources(bundle: dict[str, Any], kind: str | None = None) -> list[dict[str, Any]]:
    found = [e["resource"] for e in bundle.get("entry", ()) if e["search"]["mode"] == "match"]
    return [r for r in found if kind is None or r["resourceType"] == kind]


def _path(url: str) -> str:
    return FHIR + url.split(FHIR, 1)[1]


def test_a_gp_reads_a_patients_observations_audited_once(api_stack: ApiStack) -> None:
    """The GP's Observation search returns the patient's results as valid R4 with the source
    organisation, in FHIR JSON, and one audit row records who, whom and how many."""
    _record(api_stack)

    reply = api_stack.get(f"{FHIR}/Observation?patient=Patient/{PERSON_A}")

    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("application/fhir+json")
    observations = _resources(reply.body, "Observation")
    assert len(observations) == reply.body["total"] == 3
    assert {o["meta"]["source"] for o in observations} == {
        f"https://fhir.nhs.uk/Id/ods-organization-code|{GP_ORG}"
    }
    # the organisation's name comes from the registry the stack seeds (schemas/organisations.toml)
    assert observations[0]["performer"][0]["display"] == "De Parys Medical Centre"
    assert invalid(reply.body) == []
    [row] = api_stack.audit_rows()
    assert (row.entry.user_id, row.entry.action, row.entry.person_ids, row.entry.shown) == (
        GP_USER_ID, "GET /fhir/R4/Observation", (PERSON_A,), 3)  # fmt: skip


def test_patient_by_nhs_number_read_and_everything(api_stack: ApiStack) -> None:
    """Patient search by NHS number, Patient read, an Observation read by id and $everything
    all answer valid R4; $everything holds the Patient, the results and the medicine."""
    _record(api_stack, results=2)
    identifier = quote(f"https://fhir.nhs.uk/Id/nhs-number|{NHS_A}", safe="")

    search = api_stack.get(f"{FHIR}/Patient?identifier={identifier}")
    read = api_stack.get(f"{FHIR}/Patient/{PERSON_A}")
    everything = api_stack.get(f"{FHIR}/Patient/{PERSON_A}/$everything")
    first = _resources(everything.body, "Observation")[0]
    one = api_stack.get(f"{FHIR}/Observation/{first['id']}")

    assert [p["id"] for p in _resources(search.body)] == [PERSON_A]
    assert read.body["identifier"][0]["value"] == NHS_A
    kinds = [r["resourceType"] for r in _resources(everything.body)]
    assert kinds == ["Patient", "Observation", "Observation", "MedicationStatement"]
    assert one.body == first
    for body in (search.body, read.body, everything.body, one.body):
        assert invalid(body) == []
    assert [r.entry.status for r in api_stack.audit_rows()] == [200, 200, 200, 200]


def test_paging_reaches_every_result_once(api_stack: ApiStack) -> None:
    """_count=2 over five results: three pages by next links, every result once."""
    _record(api_stack, results=5)
    url, seen = f"{FHIR}/Observation?subject={PERSON_A}&_count=2", []
    while url:
        reply = api_stack.get(url)
        assert reply.status == 200 and reply.body["total"] == 5
        seen += [r["id"] for r in _resources(reply.body)]
        nxt = [link["url"] for link in reply.body["link"] if link["relation"] == "next"]
        url = _path(nxt[0]) if nxt else ""
    assert len(seen) == len(set(seen)) == 5
    assert len(api_stack.audit_rows()) == 3


def test_observations_by_category(api_stack: ApiStack) -> None:
    """category narrows the search (code, system|code, any of a list), a result with no
    category is a laboratory one, and the next link keeps the category."""
    api_stack.index(
        PERSON_A,
        patient(GP_ORG, "L1", "PAT-F1", nhs=NHS_A, family="Testwoman"),
        result(GP_ORG, "L1", "LAB-OLD", minutes=1),
        result(GP_ORG, "L1", "LAB", minutes=2, category="LABORATORY"),
        result(GP_ORG, "L1", "VS1", minutes=3, category="VITAL_SIGNS"),
        result(GP_ORG, "L1", "VS2", minutes=4, category="VITAL_SIGNS"),
        result(GP_ORG, "L1", "SH", minutes=5, category="SOCIAL_HISTORY"),
    )
    system = quote("http://terminology.hl7.org/CodeSystem/observation-category|", safe="")

    def ids(query: str) -> list[str]:
        reply = api_stack.get(f"{FHIR}/Observation?patient={PERSON_A}&{query}")
        assert reply.status == 200 and invalid(reply.body) == []
        return [r["id"] for r in _resources(reply.body)]

    def of(*records: str) -> list[str]:
        return [fhir_item_id(GP_ORG, record) for record in records]

    assert ids("category=laboratory") == of("LAB", "LAB-OLD")
    assert ids(f"category={system}vital-signs") == of("VS2", "VS1")
    assert ids("category=social-history,laboratory") == of("SH", "LAB", "LAB-OLD")
    first = api_stack.get(f"{FHIR}/Observation?patient={PERSON_A}&category=vital-signs&_count=1")
    [nxt] = [link["url"] for link in first.body["link"] if link["relation"] == "next"]
    second = api_stack.get(_path(nxt))
    assert first.body["total"] == second.body["total"] == 2
    assert [r["category"][0]["coding"][0]["code"] for r in _resources(second.body)] == [
        "vital-signs"
    ]
    wrong = api_stack.get(f"{FHIR}/Observation?patient={PERSON_A}&category=vital")
    assert wrong.status == 400 and "category" in str(wrong.body)


def test_an_unrelated_organisation_gets_403(api_stack: ApiStack) -> None:
    """A GP of another practice (no care relationship, no break-glass) gets a 403
    OperationOutcome with no patient data, audited as forbidden."""
    _record(api_stack)
    other = {**bearer(access_token(api_stack.stack, "demo-gp-two-roles")), **PURPOSE}

    reply = api_stack.get(f"{FHIR}/Observation?patient={PERSON_A}", headers=other)

    assert reply.status == 403
    assert reply.body["resourceType"] == "OperationOutcome"
    assert reply.body["issue"][0]["code"] == "forbidden"
    assert "Testwoman" not in str(reply.body) and NHS_A not in str(reply.body)
    assert [(r.entry.outcome, r.entry.status) for r in api_stack.audit_rows()] == [
        ("forbidden", 403)
    ]


def test_an_objectors_record_is_not_served(api_stack: ApiStack) -> None:
    """After an objection the Patient, the Observations and $everything are 403 with nothing
    of the record, and the Patient search lists nobody."""
    _record(api_stack)
    denial = Preference(GP_ORG, "C1", 1, Scope.SHARED_CARE_RECORD, Decision.DENY)
    api_stack.consent(denial, source_key=f"{GP_ORG}:L1", person_id=PERSON_A)
    identifier = quote(f"https://fhir.nhs.uk/Id/nhs-number|{NHS_A}", safe="")

    refused = [
        api_stack.get(f"{FHIR}{path}")
        for path in (f"/Patient/{PERSON_A}", f"/Observation?patient={PERSON_A}",
                     f"/Patient/{PERSON_A}/$everything")
    ]  # fmt: skip
    search = api_stack.get(f"{FHIR}/Patient?identifier={identifier}")

    assert [r.status for r in refused] == [403, 403, 403]
    for reply in refused:
        assert reply.body["resourceType"] == "OperationOutcome"
        assert "Testwoman" not in str(reply.body) and "718-7" not in str(reply.body)
    assert _resources(search.body) == [] and search.body["total"] == 0
    assert [r.entry.outcome for r in api_stack.audit_rows()][:3] == ["objection"] * 3


def test_errors_never_echo_what_was_sent(api_stack: ApiStack) -> None:
    """Bad parameters, identifiers, page tokens, ids and routes answer OperationOutcomes
    (400 or 404) that never hold the marker sent, and each is audited."""
    _record(api_stack)
    paths = [
        f"/Observation?patient={MARKER}",
        f"/Observation?patient={PERSON_A}&date={MARKER}",
        f"/Observation?_page_token={MARKER}",
        f"/Patient?identifier={MARKER}",
        f"/Patient?name={MARKER}&birthdate=1970-01-01",
        f"/Observation/{MARKER}",
        f"/Patient/{MARKER}",
        f"/{MARKER}",
    ]

    replies = [api_stack.get(FHIR + path) for path in paths]

    for path, reply in zip(paths, replies, strict=True):
        assert reply.status in (400, 404), path
        assert reply.body["resourceType"] == "OperationOutcome", path
        assert MARKER not in str(reply.body) + str(reply.headers), path
        assert invalid(reply.body) == [], path
    assert len(api_stack.audit_rows()) == len(paths)


def test_metadata_is_public_valid_and_not_audited(api_stack: ApiStack) -> None:
    """The CapabilityStatement needs no token, is valid R4 and leaves no audit row."""
    reply = api_stack.get(f"{FHIR}/metadata", headers={})

    assert reply.status == 200 and invalid(reply.body) == []
    assert api_stack.audit_rows() == []
