"""A document's bytes apart from its pages, end to end on the real stack: an MDM^T02 with an
attached PDF is mapped by the HL7 v2 adapter, published, linked, screened and projected; the
record and FHIR pages carry its metadata and links but not its bytes; the content route and
FHIR Binary serve the bytes to the hospital doctor as a sandboxed download, refuse the
receptionist's role, are audited (the IG officer's access report lists each request with its
outcome) and refuse everything once the patient objects."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from email.message import Message
from typing import Any

from deploy.local import StackSettings
from producers.hl7v2 import events_from_hl7v2
from streams.identity.offline.sandbox import Sandbox
from tests.fhir_r4 import invalid
from tests.integration.api.conftest import access_token
from tests.integration.api.live_pipeline import call, publish
from tests.integration.projections.conftest import wait_until
from tests.unit.producers.hl7v2.builders import SMALL_PDF, uk_admission, uk_discharge_summary

ORG = "RC9"
DOCTOR = "demo-hospital-doctor"


def _fetch(url: str, token: str, accept: str = "*/*") -> tuple[int, Message, bytes]:
    """Status, headers (case-insensitive) and body of a GET as ``token``."""
    headers = {"Authorization": f"Bearer {token}", "X-MCR-Purpose": "direct-care",
               "Accept": accept}  # fmt: skip
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _person(base: str, token: str) -> str | None:
    answer = call(f"{base}/api/patients?family_name=SMITH&birth_date=1980-02-29", token)
    for person in answer.json().get("persons", []) if answer.status_code == 200 else []:
        record = call(f"{base}/api/persons/{person['person_id']}/record?type=document", token)
        if record.status_code == 200 and record.json()["documents"]["total"] == 1:
            return str(person["person_id"])
    return None


def _published(box: Sandbox) -> None:
    events = []
    for text in (uk_admission(), uk_discharge_summary()):
        result = events_from_hl7v2(text, org=ORG, source_system="Medway EDM")
        assert result.rejections == []
        events += result.events
    publish(box, *events)


def test_document_bytes_are_served_apart_guarded_and_audited(
    streams_sandbox: Sandbox, service_url: str, stack: StackSettings
) -> None:
    _published(streams_sandbox)
    token = access_token(stack, DOCTOR)
    found: list[str] = []
    wait_until(lambda: bool(found.append(_person(service_url, token) or "") or found[-1]),
               90, "the document in the record")  # fmt: skip
    person = found[-1]

    # Pages: metadata and links only.
    record = call(f"{service_url}/api/persons/{person}/record?type=document", token)
    [item] = record.json()["documents"]["items"]
    document = item["document"]
    assert "data" not in document and base64.b64encode(SMALL_PDF).decode() not in str(record.json())
    assert (document["content_type"], document["size"]) == ("application/pdf", len(SMALL_PDF))
    timeline = call(f"{service_url}/api/persons/{person}/timeline?type=document", token).json()
    assert "data" not in timeline["items"][0]["document"]
    searchset = call(f"{service_url}/fhir/R4/DocumentReference?patient=Patient/{person}",
                     token).json()  # fmt: skip
    [reference] = [e["resource"] for e in searchset["entry"] if e["search"]["mode"] == "match"]
    assert invalid(reference) == []
    attachment = reference["content"][0]["attachment"]
    assert attachment == {"contentType": "application/pdf", "url": f"Binary/{reference['id']}",
                          "size": len(SMALL_PDF)}  # fmt: skip

    # The bytes: the viewer's route and FHIR Binary.
    status, headers, body = _fetch(service_url + document["content_url"], token)
    assert (status, body) == (200, SMALL_PDF)
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"].startswith('attachment; filename="document-RC9.')
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
    binary_url = f"{service_url}/fhir/R4/{attachment['url']}"
    assert _fetch(binary_url, token)[2] == SMALL_PDF
    status, _, raw = _fetch(binary_url, token, accept="application/fhir+json")
    binary: dict[str, Any] = json.loads(raw)
    assert status == 200 and invalid(binary) == []
    assert base64.b64decode(binary["data"]) == SMALL_PDF

    # Refused by role: the receptionist may not see documents.
    receptionist = access_token(stack, "demo-receptionist")
    assert _fetch(service_url + document["content_url"], receptionist)[0] == 403
    assert _fetch(binary_url, receptionist)[0] == 403

    # Audited, refusals with their person.
    report = call(f"{service_url}/api/audit/access-report?person_id={person}",
                  access_token(stack, "demo-ig-officer")).json()  # fmt: skip
    rows = [r for r in report["rows"] if r["query_kind"] == "document_content"]
    assert sorted((r["outcome"], r["role_code"].rsplit(":", 1)[-1]) for r in rows) == [
        ("forbidden", "R8009"), ("forbidden", "R8009"),
        ("shown", "R8000"), ("shown", "R8000"), ("shown", "R8000")]  # fmt: skip
    assert all(r["categories"] == ["documents"] for r in rows if r["outcome"] == "shown")

    # Across an objection: nothing.
    objection = f"{service_url}/api/persons/{person}/objection"
    assert call(objection, token, "POST", {"decision": "DENY"}).status_code == 202
    wait_until(lambda: _fetch(service_url + document["content_url"], token)[0] == 403, 60,
               "the objection to apply to the bytes")  # fmt: skip
    status, _, body = _fetch(service_url + document["content_url"], token)
    assert json.loads(body)["objects_to_sharing"] is True and SMALL_PDF not in body
    # Binary/{id} names no person: refused (403) while the document is still indexed, absent
    # (404) once the consent stage's purge has removed it; either way, never the bytes.
    status, _, body = _fetch(binary_url, token)
    assert status in (403, 404) and SMALL_PDF not in body
