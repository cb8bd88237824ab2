"""The viewer's timeline and results trend in headless Chromium against the real service:
items of every type with their organisation's name and provenance, the filters, the trend
chart of a chosen test with its abnormal values marked, record text never run as markup, and
no Content-Security-Policy violation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from deploy.local import StackSettings
from schemas import nhs_number
from schemas.events import RecordType
from tests.integration.api.conftest import (
    ApiStack,
    access_token,
    condition,
    medication,
    patient,
    result,
)

NHS = nhs_number.test_number(251)
HOSTILE = '<img src=x onerror="document.title=1">Hypertension'
RC9 = "Bedfordshire Hospitals NHS Foundation Trust"


@pytest.fixture
def page(stack: StackSettings, browser: Any) -> Iterator[Any]:
    """A tab holding the demo GP's session (as test_viewer_browser.py), recording every
    console message (a CSP violation is reported there)."""
    session = json.dumps({"access_token": access_token(stack), "expires_at": 4_102_444_800_000})
    tab = browser.new_page(viewport={"width": 1280, "height": 1000})
    tab.add_init_script(f"sessionStorage.setItem('mcr.session', {json.dumps(session)});")
    tab.console_messages = []
    tab.on("console", lambda message: tab.console_messages.append(message.text))
    yield tab
    tab.close()


def _flagged(record_id: str, value: float, days: int) -> tuple[RecordType, dict[str, Any]]:
    kind, payload = result("RC9", "H1", record_id, value=value, minutes=60 * 24 * days)
    payload["abnormal_flag"] = "LOW"
    return kind, payload


def _record(api: ApiStack) -> None:
    api.index(
        "p-tl",
        patient("E81001", "L1", "PAT-1", nhs=NHS, family="Timelinewoman"),
        patient("RC9", "H1", "PAT-2", nhs=NHS, family="Timelinewoman"),
        result("RC9", "H1", "R1", value=13.2, minutes=10),
        _flagged("R2", 9.1, 30),
        result("RC9", "H1", "R3", value=12.4, minutes=60 * 24 * 60),
        medication("E81001", "L1", "M1"),
        condition("E81001", "L1", "C1", display=HOSTILE),
    )


def _open(api: ApiStack, page: Any) -> None:
    page.goto(api.server.url + "/")
    page.fill("#nhs", NHS)
    page.click("#nhs-form button")
    page.wait_for_selector("#matches tbody tr")
    page.click("#matches tbody tr button")
    page.wait_for_selector("#timeline-items li")


def _count(page: Any, items: int) -> None:
    """Wait until the timeline lists ``items`` entries (no script evaluated: the page's CSP
    forbids eval, which a string given to wait_for_function needs)."""
    expect(page.locator("#timeline-items li")).to_have_count(items)


def _kinds(page: Any) -> list[str]:
    return [text.strip() for text in page.locator("#timeline-items li .kind").all_inner_texts()]


def test_the_timeline_lists_every_type_with_provenance(api_stack: ApiStack, page: Any) -> None:
    """Opening a record shows its timeline: every type, newest first, each item with its
    organisation's registered name and where it came from; record text stays text."""
    _record(api_stack)
    _open(api_stack, page)

    _count(page, 5)
    assert _kinds(page) == ["Results", "Results", "Results", "Problems", "Medications"]
    first = page.inner_text("#timeline-items li:first-child")
    assert "Haemoglobin" in first and RC9 in first
    assert "From Bedfordshire Hospitals NHS Foundation Trust (RC9) · synthetic record R3" in first
    assert "5 items found." in page.inner_text("#timeline-message")
    # The hostile display is shown as written and no element came of it.
    assert HOSTILE in page.inner_text("#timeline-items")
    assert page.locator("#timeline-items img, #sections img").count() == 0
    assert page.title() != "1"
    # Names from the registry in the record's lists too.
    assert RC9 in page.inner_text("#sections") and "De Parys Medical Centre" in page.inner_text(
        "#patient-banner")  # fmt: skip
    assert not [m for m in page.console_messages if "Content Security Policy" in m]


def test_the_filters_narrow_the_timeline(api_stack: ApiStack, page: Any) -> None:
    """Type, organisation, free text and date range each narrow the list; clearing shows
    everything again."""
    _record(api_stack)
    _open(api_stack, page)

    def shown() -> list[str]:
        expect(page.locator("#timeline-message")).not_to_have_text("Loading…")
        return _kinds(page)

    page.select_option("#tl-type", "medication")
    page.click("#timeline-filters button[type=submit]")
    _count(page, 1)
    assert shown() == ["Medications"]

    page.select_option("#tl-type", "")
    page.select_option("#tl-org", "RC9")
    page.click("#timeline-filters button[type=submit]")
    _count(page, 3)
    assert shown() == ["Results"] * 3

    page.select_option("#tl-org", "")
    page.fill("#tl-text", "amlodipine")
    page.click("#timeline-filters button[type=submit]")
    _count(page, 1)
    assert shown() == ["Medications"]

    page.fill("#tl-text", "")
    page.fill("#tl-from", "2024-03-20")
    page.fill("#tl-to", "2024-04-10")
    page.click("#timeline-filters button[type=submit]")
    expect(page.locator("#timeline-items")).to_contain_text("9.1 g/dL (Low)")
    _count(page, 1)

    page.click("#tl-clear")
    _count(page, 5)
    assert page.input_value("#tl-from") == ""


def test_the_trend_chart_of_a_chosen_test(api_stack: ApiStack, page: Any) -> None:
    """Choosing a test draws its values oldest to newest as SVG, the low one marked, the
    reference range shaded, with the values listed newest first."""
    _record(api_stack)
    _open(api_stack, page)
    assert page.is_visible("#trend")

    page.select_option("#trend-test", "718-7")
    page.wait_for_selector("#trend-chart svg circle")

    assert page.locator("#trend-chart svg circle").count() == 3
    assert page.locator("#trend-chart svg circle.flagged").count() == 1
    assert page.locator("#trend-chart svg rect.trend-range").count() == 1
    points = page.get_attribute("#trend-chart svg polyline", "points").split()
    xs = [float(p.split(",")[0]) for p in points]
    assert len(points) == 3 and xs == sorted(xs)  # oldest on the left
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[1] == max(ys)  # the lowest value (9.1) is drawn lowest
    rows = page.locator("#trend-table tbody tr").all_inner_texts()
    assert [row.split("\t")[1] for row in rows] == ["12.4 g/dL", "9.1 g/dL", "13.2 g/dL"]
    assert "Low" in rows[1]
    assert "3 numeric results." in page.inner_text("#trend-message")
    assert not [m for m in page.console_messages if "Content Security Policy" in m]
