"""A synthetic region through the whole planning path (simulator -> streams worker with
identity, consent and de-identification -> planning store -> report): no identifier of the
region (names, NHS numbers, birth dates, full postcodes, local ids) appears in the planning
topic, any planning table, the CSV files or the HTML page; the page renders with its charts
in Chromium (Playwright, Debian's browser)."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from consumers.report.build import make_report
from consumers.report.workforce import load_assumptions
from schemas.codec import decode_record
from schemas.commands import COMMAND_HEADER
from schemas.events import PLANNING_TOPIC
from streams.identity.offline.sandbox import read_topic
from tests.integration.planning.conftest import Planning

PEOPLE = 40
SEED = 12
_HEX = re.compile(r"[0-9a-f]{16,}")  # pseudonyms and key ids: keyed hashes, not identifiers
VIEWS = ("facts", "owners", "opted_out", "contributions", "profiles", "activity",
         "weekly_encounters", "weekly_medicines", "weekly_results", "weekly_people",
         "weekly_social_care")  # fmt: skip


def _identifiers(truth: Path) -> set[str]:
    """Everything in the truth file that identifies someone, in the forms it could take."""
    found: set[str] = set()
    with truth.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            _, local = row["record_id"].split(":", 1)
            found |= {row["record_id"], local, row["nhs_number"], row["birth_date"],
                      row["postcode"], row["postcode"].replace(" ", "")}  # fmt: skip
            if row["birth_date"]:
                y, m, d = row["birth_date"].split("-")
                found |= {f"{d}/{m}/{y}", f"{y}{m}{d}"}
            found |= {n for n in [*row["given_name"].split(), row["family_name"]] if len(n) > 2}
            found |= {line.strip() for line in row["address"].split(",") if len(line.strip()) > 4}
    return {f for f in found if f and len(f) > 2}


def _leaks(text: str, identifiers: set[str]) -> set[str]:
    cleaned = _HEX.sub(" ", text)
    words = set(re.findall(r"[\w'/:-]+", cleaned))
    return {i for i in identifiers if (i in words if " " not in i else i in cleaned)}


def _settle(planning: Planning) -> int:
    """Wait until the store stops growing; returns its number of facts."""
    last, stable_since = -1, time.monotonic()
    while True:
        count = int(planning.query("SELECT count(*) FROM facts")[0][0])
        if count != last:
            last, stable_since = count, time.monotonic()
        elif count > 0 and time.monotonic() - stable_since > 5:
            return count
        assert time.monotonic() - stable_since < 180, "the planning store never settled"
        time.sleep(0.5)


@pytest.mark.timeout(600)
def test_region_report_identifies_no_one(planning: Planning, tmp_path: Path) -> None:
    """Topic, tables, CSV and HTML hold no identifier of the region; the page shows its
    charts in a real browser."""
    truth = tmp_path / "truth.csv"
    env = {
        **os.environ,
        "MCR_TOPIC_PREFIX": planning.box.settings.topic_prefix,
        **planning.box.kafka.environment(),
    }  # fmt: skip  (as the admin: any organisation)
    subprocess.run([sys.executable, "-m", "mcr", "simulate", "--people", str(PEOPLE), "--seed",
                    str(SEED), "--truth", str(truth)], env=env, check=True,
                   capture_output=True, timeout=300)  # fmt: skip
    identifiers = _identifiers(truth)
    assert len(identifiers) > PEOPLE * 3
    assert all(i in _leaks(f"seen: {i}.", identifiers) for i in identifiers), "the scan can fail"
    facts = _settle(planning)
    assert facts > PEOPLE

    topic = planning.box.settings.topic_prefix + PLANNING_TOPIC
    texts = []
    for m in read_topic(planning.box.kafka, topic, count=10**6, timeout_s=5):
        body = (
            m.value.decode()
            if COMMAND_HEADER in m.headers
            else repr(decode_record(m.value).payload)
        )
        texts.append(f"{m.key!r} {body} {m.headers!r}")
    assert len(texts) >= facts
    assert _leaks("\n".join(texts), identifiers) == set(), "the planning topic"
    for view in VIEWS:
        rows = planning.query(f"SELECT * FROM {view}")
        assert _leaks(json.dumps(rows, default=str), identifiers) == set(), view

    out = tmp_path / "report"
    dsn = planning.settings.postgres_dsn.get_secret_value()
    result = make_report(dsn=dsn, schema=planning.settings.schema_name, out=out,
                         first="0000-W00", last="9999-W99", assumptions=load_assumptions())  # fmt: skip
    assert result.weeks > 0 and result.tables == 8
    for path in [*out.glob("*.csv"), out / "index.html"]:
        assert _leaks(path.read_text("utf-8"), identifiers) == set(), path.name
    _renders_with_charts(out / "index.html")


def _renders_with_charts(page: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])  # fmt: skip
        try:
            tab = browser.new_page()
            tab.goto(page.as_uri())
            assert "Planning report" in tab.title()
            widths = tab.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
            assert len(widths) == 9 and all(w > 100 for w in widths), widths
            assert tab.locator("text=shown as *").count() >= 1
        finally:
            browser.close()
