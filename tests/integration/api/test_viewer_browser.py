"""The clinician viewer in headless Chromium (Debian's ``chromium``) against the real service:
search, open a record, see the objection banner and the withheld-items note, and never see two
patients' records mixed on one screen when answers arrive out of order."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest

from deploy.local import StackSettings
from schemas import nhs_number
from schemas.events import RecordType
from streams.consent.state import Decision, Preference, Scope
from tests.integration.api.browser import chromium
from tests.integration.api.conftest import (
    GP_USER_ID,
    ApiStack,
    access_token,
    allergy,
    condition,
    header,
    medication,
    patient,
    result,
)

NHS_A = nhs_number.test_number(201)
NHS_B = nhs_number.test_number(202)
NHS_C = nhs_number.test_number(203)


@pytest.fixture
def page(stack: StackSettings) -> Iterator[Any]:
    """A fresh headless Chromium page whose tab already holds the demo GP's session (the
    token the viewer's own sign-in would have stored): these tests are about reading records.
    The sign-in itself, on the identity provider's page, is test_viewer_sign_in.py."""
    session = json.dumps({"access_token": access_token(stack), "expires_at": 4_102_444_800_000})
    with chromium() as browser:
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        tab.add_init_script(f"sessionStorage.setItem('mcr.session', {json.dumps(session)});")
        yield tab


def _region(api: ApiStack) -> None:
    api.index(
        "p-a",
        patient("E81001", "L1", "PAT-A", nhs=NHS_A, family="Testwoman"),
        result("RC9", "H1", "R1", value=9.1, minutes=10),
        result("RC9", "H1", "R2", minutes=20),
        medication("E81001", "L1", "M1"),
        medication("E81001", "L1", "M2", display="Ramipril 2.5mg", status="STOPPED"),
        condition("E81001", "L1", "C1"),
        condition("E81001", "L1", "C2", display="Asthma", status="RESOLVED"),
        allergy("E81001", "L1", "A1"),
    )
    api.index(
        "p-b",
        patient("E81002", "L2", "PAT-B", nhs=NHS_B, family="Objector"),
        result("RC9", "H2", "RB1"),
    )
    withhold = Preference(
        "RC9", "C2", 1, Scope.ITEM_WITHHELD, Decision.DENY, withheld_record_ids=frozenset({"R2"})
    )
    api.consent(withhold, source_key="RC9:H1", person_id="p-a")
    denial = Preference("E81002", "C1", 1, Scope.SHARED_CARE_RECORD, Decision.DENY)
    api.consent(denial, source_key="E81002:L2", person_id="p-b")


def _search(page: Any, number: str) -> None:
    page.fill("#nhs", number)
    page.click("#nhs-form button")


def _spaced(number: str) -> str:
    return f"{number[:3]} {number[3:6]} {number[6:]}"


def test_clinician_finds_a_patient_and_reads_the_record(api_stack: ApiStack, page: Any) -> None:
    """Search by NHS number, open the record: demographics, the result with value and unit,
    the medication, and a note that one item is withheld; the signed-in user is audited."""
    _region(api_stack)
    page.goto(api_stack.server.url + "/")

    _search(page, NHS_A)
    page.wait_for_selector("#matches tbody tr")
    assert "TESTWOMAN, Alexa" in page.inner_text("#matches")
    page.click("#matches tbody tr button")
    page.wait_for_selector("#sections h2")

    assert f"{NHS_A[:3]} {NHS_A[3:6]} {NHS_A[6:]}" in page.inner_text("#patient-banner")
    results = page.inner_text("#sections")
    assert "9.1 g/dL" in results and "Haemoglobin" in results and "Amlodipine 5mg" in results
    assert page.is_visible("#kept-back") and "1 item is not shown" in page.inner_text("#kept-back")
    assert page.is_hidden("#objection")
    # Current problems and allergies are in the banner; a resolved problem only in its list.
    assert "Problems\nHypertension" in page.inner_text("#patient-banner")
    assert "Allergies\nAllergy to penicillin" in page.inner_text("#patient-banner")
    assert "Asthma" not in page.inner_text("#patient-banner") and "Asthma" in results
    # Current and past medicines in their own lists.
    assert "Amlodipine 5mg" in page.inner_text("#sections .group-current")
    assert "Ramipril 2.5mg" in page.inner_text("#sections .group-past")
    assert "Ramipril" not in page.inner_text("#sections .group-current")
    # The audit names the signed-in user: the one the token says.
    assert {row.entry.user_id for row in api_stack.audit_rows()} == {GP_USER_ID}


def test_objection_shows_a_banner_and_no_record(api_stack: ApiStack, page: Any) -> None:
    """A patient who objects is listed as such; opening shows the banner and no sections."""
    _region(api_stack)
    page.goto(api_stack.server.url + "/")

    _search(page, NHS_B)
    page.wait_for_selector("#matches tbody tr")
    assert "Patient objects to sharing" in page.inner_text("#matches")
    assert "Objector".upper() not in page.inner_text("#matches")
    page.click("#matches tbody tr button")
    page.wait_for_selector("#objection", state="visible")

    assert "objects to sharing" in page.inner_text("#objection")
    assert page.inner_text("#sections") == "" and page.inner_text("#patient-banner") == ""


def test_invalid_nhs_number_shows_the_rule(api_stack: ApiStack, page: Any) -> None:
    """A mistyped NHS number shows the rule it breaks, from the 400 body."""
    page.goto(api_stack.server.url + "/")

    _search(page, "123")
    page.wait_for_selector("#search-message.error")

    assert page.inner_text("#search-message") == "nhs_number: must be 10 digits"


def test_a_late_answer_for_the_previous_patient_never_mixes_records(
    api_stack: ApiStack, page: Any
) -> None:
    """Two patients share a name and birth date. The clinician opens A, whose answer is slow,
    then B; A's answer arrives last. The screen shows B only: B's banner, B's result, no item
    of A and one set of sections (the stale answer is dropped or its request aborted)."""
    from playwright.sync_api import Error as PlaywrightError

    _region(api_stack)
    api_stack.index(
        "p-c",
        patient("RD8", "L3", "PAT-C", nhs=NHS_C, family="Testwoman"),
        result("RD8", "H3", "RC1", value=4.4),
    )
    held: list[Any] = []

    def hold(route: Any) -> None:
        held.append(route)

    page.route("**/api/persons/p-a/record*", hold)
    page.goto(api_stack.server.url + "/")
    page.click("summary")
    page.fill("#family", "Testwoman")
    page.fill("#birth", "1970-01-01")
    page.click("#name-form button")
    page.wait_for_selector("#matches tbody tr:nth-child(2)")

    page.click(f"#matches tbody tr:has-text('{_spaced(NHS_A)}') button")
    page.wait_for_function("() => document.querySelector('#patient-banner').textContent !== ''")
    for _ in range(200):  # the route handler runs while Playwright waits
        if held:
            break
        page.wait_for_timeout(10)
    assert held, "the request for A's record was not intercepted"
    page.click(f"#matches tbody tr:has-text('{_spaced(NHS_C)}') button")
    page.wait_for_selector("#sections h2")
    # A's answer goes through now, after B's (unless the viewer aborted A's request already)
    with contextlib.suppress(PlaywrightError):
        held[0].continue_()
    page.wait_for_timeout(1000)  # time for a stale answer to be (wrongly) drawn

    banner, sections = page.inner_text("#patient-banner"), page.inner_text("#sections")
    assert _spaced(NHS_C) in banner and _spaced(NHS_A) not in banner
    assert "4.4 g/dL" in sections
    assert "9.1 g/dL" not in sections and "Amlodipine" not in sections
    assert page.locator("#sections h2").count() == 8  # one per record type
    assert page.locator("#sections tbody tr").count() == 1


def test_a_very_restricted_patient_shows_no_contact_details(api_stack: ApiStack, page: Any) -> None:
    """A V-labelled patient document at one organisation: the search shows no postcode and the
    record banner says the contact details are hidden, showing no address or phone."""
    _region(api_stack)
    api_stack.index(
        "p-a", patient("RD8", "L4", "PAT-A4", nhs=NHS_A, family="Testwoman", labels=("V",))
    )
    page.goto(api_stack.server.url + "/")

    _search(page, NHS_A)
    page.wait_for_selector("#matches tbody tr")
    matches = page.inner_text("#matches")
    page.click("#matches tbody tr button")
    page.wait_for_selector("#sections h2")

    banner = page.inner_text("#patient-banner")
    assert "LU1 1AA" not in matches and "Not shown" in matches
    assert "Contact details hidden" in banner
    assert "Example Street" not in banner and "LU1 1AA" not in banner


def _document(record_id: str, **content: Any) -> tuple[RecordType, dict[str, Any]]:
    """A discharge summary of p-d written at RC9: attached (``data``) or at the source."""
    return RecordType.DOCUMENT, {
        "header": header("RC9", "H4", record_id),
        "type": {"system": "LOINC", "code": "18842-5", "display": "Discharge summary"},
        "status": "CURRENT", "date": None, "description": None, "author_org": "RC9",
        "title": None, "content_type": "application/pdf", "url": None, "data": None,
        "size": None, **content,
    }  # fmt: skip


def test_an_attached_document_downloads_and_one_at_the_source_is_a_link(
    api_stack: ApiStack, page: Any
) -> None:
    """The documents list: Download fetches the bytes with the user's sign-in (audited as
    document_content) and the browser saves them under the service's name; a document kept at
    its source is an Open at source link to its https URL."""
    pdf = b"%PDF-1.4\n%%EOF\n"
    source = "https://documents.example.nhs.uk/RC9/DS-2.pdf"
    api_stack.index(
        "p-d",
        patient("E81001", "L4", "PAT-D", nhs=NHS_C, family="Testwoman"),
        _document("DS-1", data=pdf, size=len(pdf)),
        _document("DS-2", url=source),
    )
    page.goto(api_stack.server.url + "/")
    _search(page, NHS_C)
    page.wait_for_selector("#matches tbody tr")
    page.click("#matches tbody tr button")
    page.wait_for_selector("button.document-download")

    assert page.get_attribute("a:text('Open at source')", "href") == source
    with page.expect_download() as started:
        page.click("button.document-download")
    download = started.value
    assert download.suggested_filename == "document-RC9.DS-1.pdf"
    with open(download.path(), "rb") as saved:
        assert saved.read() == pdf
    kinds = [row.entry.query_kind for row in api_stack.audit_rows()]
    assert kinds[-1] == "document_content"
