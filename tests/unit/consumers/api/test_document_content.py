"""A document's bytes apart from its pages: the viewer's content route and FHIR Binary, on the
fake ports: the same gate as the record (role, consent at read, objection), the audit row, and
headers that keep an attached document inert in the viewer's origin."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from consumers.api.access import Hit
from consumers.api.auth import Principal, Role
from consumers.api.auth.principal import OdsCode, PersonRoleId, UserId
from consumers.api.document_content import OCTET_STREAM, safe_content_type
from consumers.api.fhir.mapping import fhir_item_id
from consumers.api.fhir.routes import BASE
from projections.record.ids import item_id
from tests.unit.consumers.api.builders import (
    GP_ROLE,
    PERSON_A,
    PERSON_B,
    FakeAuthenticator,
    FakeConsent,
    FakeRecords,
    item_hit,
    objection,
    patient_hit,
    state,
    withholding,
)
from tests.unit.consumers.api.test_app import VIEWER, get, make_api

PDF = b"%PDF-1.4\n%%EOF\n"
RECEPTION_TOKEN = "reception-token"
RECEPTION_ROLE = Role(PersonRoleId("555000002001"), OdsCode("E81001"), "S8000:G8000:R8009",
                      "Receptionist Access Role")  # fmt: skip


def attached(source_record_id: str, data: bytes, content_type: str | None, **fields: Any) -> Any:
    """A document item of PERSON_A at RC9 attached inline, as the projection indexes it."""
    hit = item_hit("document", source_record_id, **fields)
    hit.source["document"].update(url=None, data=base64.b64encode(data).decode(),
                                  content_type=content_type, size=len(data))  # fmt: skip
    # The projection's id escapes each part (``DS/1`` -> ``DS%2F1``), as the route expects.
    doc_id = item_id(record_type="document", org="RC9", source_record_id=source_record_id)
    return Hit(doc_id, hit.source)


RECORD = [
    patient_hit(PERSON_A),
    item_hit("encounter", "E1"),
    attached("DS/1", PDF, "application/pdf"),
    attached("H1", b"<script>alert(1)</script>", "text/html"),
    attached("X1", b"x", "not a mime type\r\nSet-Cookie: a=b"),
    item_hit("document", "LINK1"),  # kept at the source: a URL
    patient_hit(PERSON_B, source_record_id="PAT2"),
    attached("B1", b"B's letter", "text/plain", person_id=PERSON_B),
]


def _path(record_id: str, person: str = PERSON_A) -> str:
    return f"/api/persons/{person}/documents/{fhir_item_id('RC9', record_id)}/content"


def _api(**options: Any) -> Any:
    return make_api(FakeRecords(RECORD), **options)


def test_an_attached_document_is_a_download_that_never_runs() -> None:
    """The bytes as sent, their content type, an attachment named by the id, nosniff, a
    sandboxing CSP and no caching; one audit row naming the person and the category."""
    api, audit = _api()
    response = get(api, _path("DS/1"))
    assert (response.status_code, response.content) == (200, PDF)
    headers = response.headers
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == 'attachment; filename="document-RC9.DS.2F1.pdf"'
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
    assert headers["Cache-Control"] == "no-store"
    [row] = audit.entries
    assert (row.query_kind, row.person_ids, row.outcome, row.shown) == (
        "document_content", (PERSON_A,), "shown", 1)  # fmt: skip
    assert row.categories == ("documents",)
    assert row.action == "GET /api/persons/{person_id}/documents/{document_id}/content"


def test_html_stays_inert_and_a_bad_content_type_is_octet_stream() -> None:
    """An HTML document keeps its type but the CSP sandbox forbids every script; a content
    type that is not a MIME type (here a header injection) is sent as octet-stream."""
    api, _ = _api()
    html = get(api, _path("H1"))
    assert html.headers["Content-Type"].startswith("text/html")
    assert "sandbox" in html.headers["Content-Security-Policy"]
    assert "script-src" not in html.headers["Content-Security-Policy"]
    bad = get(api, _path("X1"))
    assert (bad.status_code, bad.headers["Content-Type"]) == (200, OCTET_STREAM)
    assert "set-cookie" not in {k.lower() for k in bad.headers}
    assert bad.headers["Content-Disposition"].endswith('.bin"')


@pytest.mark.parametrize(
    ("value", "expected"),
    [("application/pdf", "application/pdf"), ("text/plain; charset=utf-8",
                                               "text/plain; charset=utf-8"),
     ("image/svg+xml", "image/svg+xml"), (None, OCTET_STREAM), ("", OCTET_STREAM),
     ("pdf", OCTET_STREAM), ("text/html\r\nX: y", OCTET_STREAM), ("a/b c", OCTET_STREAM),
     ("text/plain;\r\nset-cookie=a", OCTET_STREAM), ("text/plain;\ncharset=x", OCTET_STREAM)],
)  # fmt: skip
def test_safe_content_type(value: Any, expected: str) -> None:
    assert safe_content_type(value) == expected


def test_the_record_page_carries_metadata_and_the_link_not_the_bytes() -> None:
    """The documents section lists every document without ``data``; an attached one names
    the route of its bytes, which answers them; one kept at the source keeps its URL."""
    api, _ = _api()
    record = get(api, f"/api/persons/{PERSON_A}/record", {"type": ["document"]}).json()
    found = {i["source_record_id"]: i["document"] for i in record["documents"]["items"]}
    assert all("data" not in d for d in found.values())
    assert found["DS/1"]["content_url"] == _path("DS/1")
    assert (found["DS/1"]["size"], found["DS/1"]["content_type"]) == (len(PDF), "application/pdf")
    assert found["LINK1"]["content_url"] is None
    assert found["LINK1"]["url"].startswith("https://")
    assert get(api, found["DS/1"]["content_url"]).content == PDF


def test_a_document_kept_at_the_source_has_no_bytes_here() -> None:
    api, audit = _api()
    response = get(api, _path("LINK1"))
    assert response.status_code == 404
    assert response.json()["error"] == "document: not attached (the source keeps it: open its url)"
    assert (audit.entries[0].outcome, audit.entries[0].person_ids) == ("not_found", (PERSON_A,))


@pytest.mark.parametrize(
    "path",
    [_path("B1"),  # another person's document, asked under PERSON_A
     _path("NOPE"),
     f"/api/persons/{PERSON_A}/documents/not%20an%20id/content",
     f"/api/persons/{PERSON_A}/documents/RC9.R.ZZ/content"],
)  # fmt: skip
def test_no_such_document_of_this_person_is_404(path: str) -> None:
    api, audit = _api()
    response = get(api, path)
    assert response.status_code == 404
    assert b"letter" not in response.content
    assert audit.entries[0].person_ids == (PERSON_A,)


def test_a_withheld_document_is_as_if_it_did_not_exist() -> None:
    """Consent at read keeps it back: 404, counted as kept back in the audit row only."""
    api, audit = _api(consent=FakeConsent({PERSON_A: state(withholding("DS/1"))}))
    response = get(api, _path("DS/1"))
    assert response.status_code == 404 and PDF not in response.content
    assert (audit.entries[0].outcome, audit.entries[0].kept_back) == ("not_found", 1)


def test_an_objection_refuses_before_anything_is_read() -> None:
    api, audit = _api(consent=FakeConsent({PERSON_A: state(objection())}))
    response = get(api, _path("DS/1"))
    assert (response.status_code, response.json()["objects_to_sharing"]) == (403, True)
    assert (audit.entries[0].outcome, audit.entries[0].person_ids) == ("objection", (PERSON_A,))


def _receptionist() -> FakeAuthenticator:
    authenticator = FakeAuthenticator()
    authenticator.users[RECEPTION_TOKEN] = Principal(
        UserId("555000000002"), "sub-reception", (RECEPTION_ROLE,), RECEPTION_ROLE, 3
    )
    return authenticator


def test_a_role_without_the_documents_category_is_refused_and_audited() -> None:
    """A receptionist sees demographics and encounters only: 403, the row names the person."""
    api, audit = _api(authenticator=_receptionist())
    headers = {"Authorization": f"Bearer {RECEPTION_TOKEN}", "X-MCR-Purpose": "direct-care"}
    response = get(api, _path("DS/1"), headers=headers)
    assert response.status_code == 403 and PDF not in response.content
    [row] = audit.entries
    assert (row.outcome, row.person_ids, row.role_code) == (
        "forbidden", (PERSON_A,), RECEPTION_ROLE.role_code)  # fmt: skip


def test_sign_in_and_purpose_are_required() -> None:
    api, audit = _api()
    assert get(api, _path("DS/1"), headers={}).status_code == 401
    no_purpose = {"Authorization": VIEWER["Authorization"]}
    assert get(api, _path("DS/1"), headers=no_purpose).status_code == 400
    assert [row.person_ids for row in audit.entries] == [(PERSON_A,), (PERSON_A,)]


def test_fhir_document_reference_points_to_its_binary_which_answers_the_bytes() -> None:
    """DocumentReference.content.attachment.url is ``Binary/<id>`` (no data); the Binary read
    answers the bytes as a download, or a Binary resource to a client accepting FHIR JSON."""
    api, audit = _api()
    searchset = get(api, f"{BASE}/DocumentReference", {"patient": [f"Patient/{PERSON_A}"]}).json()
    attachments = {e["resource"]["id"]: e["resource"]["content"][0]["attachment"]
                   for e in searchset["entry"]}  # fmt: skip
    document_id = fhir_item_id("RC9", "DS/1")
    assert attachments[document_id] == {"contentType": "application/pdf",
                                        "url": f"Binary/{document_id}", "size": len(PDF),
                                        "title": "Discharge summary"}  # fmt: skip
    raw = get(api, f"{BASE}/{attachments[document_id]['url']}")
    assert (raw.status_code, raw.content) == (200, PDF)
    assert "sandbox" in raw.headers["Content-Security-Policy"]
    fhir = get(api, f"{BASE}/Binary/{document_id}",
               headers={**VIEWER, "Accept": "application/fhir+json"})  # fmt: skip
    assert fhir.json() == {"resourceType": "Binary", "id": document_id,
                           "contentType": "application/pdf",
                           "data": base64.b64encode(PDF).decode()}  # fmt: skip
    assert audit.entries[-1].person_ids == (PERSON_A,)
    assert audit.entries[-1].query_kind == "document_content"
    missing = get(api, f"{BASE}/Binary/{fhir_item_id('RC9', 'LINK1')}")
    assert (missing.status_code, missing.json()["resourceType"]) == (404, "OperationOutcome")


def test_fhir_binary_refuses_a_role_without_documents() -> None:
    api, audit = _api(authenticator=_receptionist())
    headers = {"Authorization": f"Bearer {RECEPTION_TOKEN}", "X-MCR-Purpose": "direct-care"}
    response = get(api, f"{BASE}/Binary/{fhir_item_id('RC9', 'DS/1')}", headers=headers)
    assert response.status_code == 403 and PDF not in response.content
    assert audit.entries[0].person_ids == (PERSON_A,)


def test_gp_role_used_here_may_see_documents() -> None:
    """The fixture's premise: the GP's role may see documents (the refusals above are the
    receptionist's role, not a broken gate)."""
    assert GP_ROLE.role_code.endswith("R8000")


@pytest.mark.parametrize(
    "hit",
    [attached("S1", PDF, "application/pdf", confidentiality=("V",)),
     attached("S2", PDF, "application/pdf", confidentiality=("hiv",))],
)  # fmt: skip
def test_a_sensitive_document_is_as_if_it_did_not_exist(hit: Any) -> None:
    """Labelled V or with a sensitive category: 404, counted as kept back, no bytes."""
    api, audit = make_api(FakeRecords([*RECORD, hit]))
    response = get(api, _path(hit.source["source_record_id"]))
    assert response.status_code == 404 and PDF not in response.content
    assert audit.entries[0].kept_back == 1


def test_a_document_typed_with_a_sensitive_code_and_no_label_is_kept_back() -> None:
    """A source that cannot label (HL7 v2): the type code on the lists keeps it back."""
    hit = attached("S3", PDF, "application/pdf")
    hit.source["document"]["type"] = {"system": "SNOMED", "code": "714812005",
                                      "display": "Termination of pregnancy"}  # fmt: skip
    api, _ = make_api(FakeRecords([*RECORD, hit]))
    assert get(api, _path("S3")).status_code == 404
    record = get(api, f"/api/persons/{PERSON_A}/record", {"type": ["document"]}).json()
    assert "S3" not in {i["source_record_id"] for i in record["documents"]["items"]}
