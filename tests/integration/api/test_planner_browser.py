"""The planners' report in the viewer, signed in for real in headless Chromium: the demo
planner (a planning role: no record categories) sees no patient search, opens the latest
report and sees its charts and suppressed tables; the record API refuses the planner. The
viewer is served on 127.0.0.1:8483, a redirect the realm allows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from consumers.api.app import create_app
from consumers.api.auth import Authenticator
from consumers.api.records import RecordReader
from consumers.report.build import make_report, update_latest
from consumers.report.workforce import load_assumptions
from projections.planning import store
from projections.planning.batch import InboundMessage, apply_batch
from schemas import nhs_number
from schemas.codec import encode_record
from tests.integration.api.browser import serving
from tests.integration.api.conftest import ApiStack, access_token, bearer, patient
from tests.integration.auth.keycloak_client import DEMO_PASSWORD

VIEWER_PORT = 8483


def _fact(n: int, week: str, kind: str, service: str) -> InboundMessage:
    payload = {"pseudonym": f"p{n % 40}", "item": f"i{n}", "source": f"s{n % 40}",
               "key_id": "k", "version": 1, "deleted": False, "event_type": "ENCOUNTER",
               "iso_week": week, "org": "RC9", "org_kind": kind, "service": service,
               "encounter_class": "OUTPATIENT"}  # fmt: skip
    return InboundMessage(b"k", encode_record("planning_event", payload), [], "t", 0, n)


@pytest.fixture
def reports(api_stack: ApiStack, tmp_path: Path) -> Iterator[Path]:
    """A planning store with a few weeks of encounters, and its report as ``latest``."""
    schema, receipts = f"t_plan_{uuid.uuid4().hex[:10]}", f"t_rcpt_{uuid.uuid4().hex[:10]}"
    dsn = api_stack.stack.postgres_dsn
    facts = [_fact(n, f"2026-W0{1 + n % 4}", ("acute", "gp_practice")[n % 2],
                   ("Cardiology", "General practice", "Urology")[n % 3]) for n in range(300)]  # fmt: skip
    with store.connect(dsn, schema) as conn:
        apply_batch(conn, facts, receipts_schema=receipts)
    folder = tmp_path / "reports" / "one"
    make_report(dsn=dsn, schema=schema, out=folder, first=None, last="9999-W99",
                assumptions=load_assumptions())  # fmt: skip
    update_latest(tmp_path / "reports", folder)
    yield tmp_path / "reports"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.execute(f'DROP SCHEMA IF EXISTS "{receipts}" CASCADE')


@pytest.fixture
def viewer(api_stack: ApiStack, reports: Path) -> Iterator[str]:
    app = create_app(
        records=RecordReader(api_stack.client, alias=api_stack.settings.alias),
        consent=api_stack.service.consent, audit=api_stack.service.audit,
        authenticator=Authenticator(api_stack.auth),
        public_config=api_stack.service.app.state.public_config,
        governance=api_stack.service.app.state.governance, planning_reports=reports,
    )  # fmt: skip
    with serving(app, VIEWER_PORT) as url:
        yield url


def _sign_in(browser: Any, url: str, issuer: str, username: str) -> Any:
    """A new tab signed in as ``username`` through the identity provider's login page."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url + "/")
    page.click("#sign-in")
    page.wait_for_selector("#username")
    assert page.url.startswith(issuer + "/")  # the provider's own page
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#kc-login")
    page.wait_for_selector("#session:not([hidden])")
    return page


def test_the_planner_sees_the_report_and_no_record(
    api_stack: ApiStack, viewer: str, browser: Any
) -> None:
    """Signed in as the demo planner: the planning panel, no search; the report shows every
    chart and suppressed tables; a record request with the planner's token is refused."""
    page = _sign_in(browser, viewer, api_stack.stack.auth_issuer, "demo-planner")
    assert page.is_visible("#planning") and page.is_hidden("#search-panel")
    page.click("#planning-show")
    page.wait_for_selector("#planning-report img.chart")
    widths = page.eval_on_selector_all("#planning-report img", "i => i.map(x => x.naturalWidth)")
    assert len(widths) == 9 and all(w > 100 for w in widths), widths
    text = page.inner_text("#planning-report")
    assert "shown as *" in text and "Workforce estimate" in text and "Cardiology" in text
    api_stack.index("p-plan", patient("E81001", "PL1", "PAT-PL", nhs=nhs_number.test_number(311),
                                      family="Planningpatient"))  # fmt: skip
    token = access_token(api_stack.stack, "demo-planner")
    refused = api_stack.get("/api/persons/p-plan/record",
                            headers={**bearer(token), "X-MCR-Purpose": "direct-care"})  # fmt: skip
    assert refused.status == 403
