"""The public pages without sign-in: the organisations taking part (HTML and JSON, in the
OpenAPI document), the notice; escaped, with the page headers, and never audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from consumers.api.public_pages import public_list, render_list
from schemas.organisations import Organisation, OrganisationKind, OrgStatus, load_organisations
from tests.unit.consumers.api.test_app import make_api

REGION = load_organisations()


class FakeDirectory:
    """A fixed list of organisations."""

    def __init__(self, organisations: Sequence[Organisation]) -> None:
        self.found = list(organisations)

    def organisations(self) -> Sequence[Organisation]:
        return self.found


def test_the_json_list_needs_no_sign_in_and_writes_no_audit_row() -> None:
    """Anonymous GET /api/public/organisations lists every organisation with its kind, status
    and since when it shares; nothing is audited; no contact or systems leak."""
    api, audit = make_api(directory=FakeDirectory(REGION))
    answer = api.get("/api/public/organisations")
    assert answer.status_code == 200
    body = answer.json()
    assert body["notice"] == "/about" and len(body["organisations"]) == 99
    rc9 = next(o for o in body["organisations"] if o["ods_code"] == "RC9")
    assert rc9 == {"ods_code": "RC9", "name": "Bedfordshire Hospitals NHS Foundation Trust",
                   "kind": "acute", "kind_label": "Hospital trust", "status": "live",
                   "status_label": "Sharing", "live_since": "2024-02-05"}  # fmt: skip
    assert "example.org" not in answer.text
    assert audit.entries == []


def test_the_pages_keep_the_security_headers_and_are_not_audited() -> None:
    """/organisations and /about answer HTML with the viewer's CSP; no audit row."""
    assets = {"/about": ("text/html; charset=utf-8", b"<h1>How your information is shared</h1>")}
    api, audit = make_api(directory=FakeDirectory(REGION), assets=assets)
    for path in ("/organisations", "/about"):
        answer = api.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert answer.headers["X-Frame-Options"] == "DENY"
    assert "Central Bedfordshire Council Social Care" in api.get("/organisations").text
    assert audit.entries == []


def test_without_a_registry_the_list_is_unavailable_not_empty() -> None:
    """No directory (or an unreadable registry) is a 503, never an empty list."""
    api, _ = make_api()
    assert api.get("/api/public/organisations").status_code == 503
    assert api.get("/organisations").status_code == 503


def test_the_json_endpoint_is_in_the_openapi_document() -> None:
    """The public list is documented; the HTML pages are not API."""
    api, _ = make_api()
    paths = api.get("/api/openapi.json").json()["paths"]
    assert "/api/public/organisations" in paths
    assert "/organisations" not in paths and "/about" not in paths


def test_names_are_escaped_and_listed_by_kind_then_name() -> None:
    """A name with markup is shown as text; the list is in the kinds' order (GP practices
    first), then by name."""
    base = REGION[0]
    odd = replace(base, ods_code="RXX1", name="<script>alert(1)</script> Trust",
                  kind=OrganisationKind.ACUTE)  # fmt: skip
    gp = replace(base, ods_code="E89999", name="Zed Surgery", kind=OrganisationKind.GP_PRACTICE)
    paused = replace(gp, ods_code="E89998", name="Abbey Surgery", status=OrgStatus.SUSPENDED,
                     live_since=date(2024, 3, 1))  # fmt: skip
    listed = public_list([odd, gp, paused])
    assert [o.ods_code for o in listed] == ["E89998", "E89999", "RXX1"]
    html = render_list(listed)
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; Trust" in html
    assert "Sharing paused" in html and "1 March 2024" in html
