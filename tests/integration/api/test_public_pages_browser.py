"""The public pages in headless Chromium (Debian's ``chromium``) against the real service and a
real registry: from the viewer's start page, without signing in, to the organisations taking
part and the notice; the JSON list; the page headers; and no audit row for any of it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from deploy.local import StackSettings
from mcr.core import org_registry
from schemas.organisations import load_organisations
from tests.integration.api.browser import chromium
from tests.integration.api.conftest import ApiStack


@pytest.fixture
def public_api(
    api_stack: ApiStack, stack: StackSettings, operator_schema: str
) -> Iterator[ApiStack]:
    """The service reading a fresh registry (the region, with one practice suspended)."""
    with org_registry.connect(stack.operator_dsn, operator_schema) as conn:
        org_registry.seed(conn, load_organisations())
        org_registry.change_status(conn, "E81004", "suspend", actor="t", today=date.today())
    with api_stack.variant(registry_schema=operator_schema) as served:
        yield served


@pytest.fixture
def page() -> Iterator[Any]:
    """A fresh headless Chromium page with no session at all."""
    with chromium() as browser:
        yield browser.new_page(viewport={"width": 1280, "height": 900})


def test_anyone_reaches_the_organisations_and_the_notice_from_the_start_page(
    public_api: ApiStack, page: Any
) -> None:
    """Start page -> organisations (names, kinds, statuses, dates) -> notice (what, who, why,
    planning, how to object), without signing in, and nothing is audited."""
    rows_before = len(public_api.audit_rows())
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(public_api.server.url + "/")
    page.get_by_role("link", name="Organisations taking part").click()
    page.wait_for_url("**/organisations")
    table = page.locator("#organisations")
    assert table.locator("tbody tr").count() == 99
    rc9 = table.locator("tr[data-ods='RC9']")
    assert rc9.locator("td").all_inner_texts() == [
        "Bedfordshire Hospitals NHS Foundation Trust", "Hospital trust", "Sharing", "5 February 2024",
    ]  # fmt: skip
    assert table.locator("tr[data-ods='E81004'] td").nth(2).inner_text() == "Sharing paused"
    assert table.locator("tr[data-ods='00KC'] td").nth(2).inner_text() == "Joining"

    page.get_by_role("link", name="How your information is shared, and how to object").click()
    page.wait_for_url("**/about")
    headings = page.locator("h2").all_inner_texts()
    assert headings == ["What is shared", "Who can see it", "Why", "Planning services",
                        "If you do not want your information shared"]  # fmt: skip
    notice = page.locator("article").inner_text()
    assert "Speak to the person delivering your care" in notice
    assert "does not identify anyone" in notice

    answer = page.request.get(public_api.server.url + "/api/public/organisations")
    assert answer.status == 200 and len(answer.json()["organisations"]) == 99
    about = page.request.get(public_api.server.url + "/about")
    assert "frame-ancestors 'none'" in about.headers["content-security-policy"]
    assert errors == []  # the CSP refused nothing the pages need
    assert len(public_api.audit_rows()) == rows_before
