"""Signing in for real, in headless Chromium: the viewer sends the browser to the identity
provider's login page (authorization code + PKCE), gets it back, and reads as the user's role
allows. The GP reads a patient of their practice; a hospital doctor with no care relationship
is refused, breaks the glass and reads; information governance sees both accesses in the
patient's access report. The viewer is served on 127.0.0.1:8481, a redirect the realm allows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from deploy.local import StackSettings
from schemas import nhs_number
from tests.integration.api.browser import serving
from tests.integration.api.conftest import ApiStack, patient, result
from tests.integration.auth.keycloak_client import DEMO_PASSWORD

VIEWER_PORT = 8481
NHS_GP = nhs_number.test_number(301)
NHS_ELSEWHERE = nhs_number.test_number(302)


@pytest.fixture
def viewer(api_stack: ApiStack) -> Iterator[str]:
    """The service on the test redirect's port, with two patients: one of the demo GP's
    practice (E81001), one held only by another practice (E81002)."""
    api_stack.index("p-gp", patient("E81001", "G1", "PAT-G", nhs=NHS_GP, family="Practicepatient"),
                    result("E81001", "G1", "RG1", value=7.5))  # fmt: skip
    api_stack.index("p-far", patient("E81002", "F1", "PAT-F", nhs=NHS_ELSEWHERE, family="Faraway"),
                    result("E81002", "F1", "RF1", value=6.2))  # fmt: skip
    with serving(api_stack.service.app, VIEWER_PORT) as url:
        yield url


def _sign_in(browser: Any, url: str, username: str) -> Any:
    """A new tab signed in as ``username`` through the identity provider's login page."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url + "/")
    page.click("#sign-in")
    page.wait_for_selector("#username")
    issuer = StackSettings.from_env().auth_issuer  # the configured Keycloak port, not 8180
    assert page.url.startswith(issuer.rstrip("/") + "/")  # the provider's own page
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#kc-login")
    page.wait_for_selector("#session:not([hidden])")
    return page


def _open(page: Any, number: str) -> None:
    page.fill("#nhs", number)
    page.click("#nhs-form button")
    page.wait_for_selector("#matches tbody tr")
    page.click("#matches tbody tr button")


def test_sign_in_read_refuse_break_glass_and_audit_report(
    api_stack: ApiStack, viewer: str, browser: Any
) -> None:
    """GP: signs in, reads their patient, signs out. Hospital doctor: refused with the reason
    and break-glass offered, breaks the glass, reads. IG officer: no search, and the access
    report of the far patient shows the refusal and the flagged break-glass read."""
    gp = _sign_in(browser, viewer, "demo-gp")
    assert gp.input_value("#role") == "555000001001"
    _open(gp, NHS_GP)
    gp.wait_for_selector("#sections h2")
    assert "7.5" in gp.inner_text("#sections") and gp.is_visible("#consent-actions")
    gp.click("#sign-out")
    gp.wait_for_selector("#signin:not([hidden])")
    assert gp.evaluate("sessionStorage.getItem('mcr.session')") is None

    doctor = _sign_in(browser, viewer, "demo-hospital-doctor")
    _open(doctor, NHS_ELSEWHERE)
    doctor.wait_for_selector("#refused:not([hidden])")
    assert "no care relationship" in doctor.inner_text("#refused-why")
    assert doctor.is_hidden("#sections h2") or not doctor.inner_text("#sections")
    doctor.select_option("#bg-reason", "emergency-treatment")
    doctor.fill("#bg-text", "Admitted unconscious, no history available")
    doctor.click("#break-glass-form button")
    doctor.wait_for_selector("#sections h2")
    assert "6.2" in doctor.inner_text("#sections")
    assert "breaking the glass" in doctor.inner_text("#break-glass-note")

    officer = _sign_in(browser, viewer, "demo-ig-officer")
    assert officer.is_hidden("#search-panel") and officer.is_visible("#governance")
    officer.fill("#access-person", "p-far")
    officer.click("#access-form button")
    officer.wait_for_selector("#access-report tbody tr")
    report = officer.inner_text("#access-report")
    assert "RC9" in report and "break-glass: emergency-treatment" in report
    assert "forbidden" in report and "shown" in report

    flagged = [r.entry for r in api_stack.audit_rows() if r.entry.flagged]
    # The opened record, and the timeline the viewer reads under it, both ride on the glass.
    assert {e.query_kind for e in flagged} == {"break_glass", "person_record", "person_timeline"}
    assert all(e.org_code == "RC9" for e in flagged)
