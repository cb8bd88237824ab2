"""The planners' report through the service on fakes: a planning role reads the latest report
(charts inlined) for the service-planning purpose only, and no record; others are refused;
every request is audited."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from consumers.api.auth import Principal, Role
from consumers.api.auth.principal import OdsCode, PersonRoleId, UserId
from tests.unit.consumers.api.builders import GP_TOKEN, PERSON_A, FakeAuthenticator
from tests.unit.consumers.api.test_app import get, make_api

PLANNER_ROLE = Role(PersonRoleId("555000001011"), OdsCode("RC9"), "S8002:G8003:R9800",
                    "Service planning analyst")  # fmt: skip
PLANNER = Principal(UserId("555000000011"), "sub-planner", (PLANNER_ROLE,), PLANNER_ROLE, 3)
PLANNING = {"Authorization": "Bearer planner-token", "X-MCR-Purpose": "service-planning"}
REPORT = "/api/planning/report"
PNG = b"\x89PNG\r\n\x1a\nfake"


def _reports(tmp_path: Path) -> Path:
    folder = tmp_path / "reports" / "20261206T1500Z"
    folder.mkdir(parents=True)
    body = {"title": "Planning report", "period": "2026-W01 to 2026-W02", "generated": "now",
            "rules": ["1 to 7 as *"],
            "workforce": {"chart": "workforce.png", "weeks": [], "groups": []},
            "tables": [{"name": "t", "title": "T", "dimension": "service", "chart": "t.png",
                        "csv": "t.csv", "weeks": ["2026-W01"],
                        "rows": [{"row": "Total", "values": ["*"]}]}]}  # fmt: skip
    (folder / "report.json").write_text(json.dumps(body))
    (folder / "t.png").write_bytes(PNG)
    (folder / "workforce.png").write_bytes(PNG)
    (tmp_path / "reports" / "latest").symlink_to(folder)
    return tmp_path / "reports"


def _api(tmp_path: Path, reports: Path | None = None) -> tuple[Any, Any]:
    authenticator = FakeAuthenticator()
    authenticator.users["planner-token"] = PLANNER
    return make_api(authenticator=authenticator, planning_reports=reports or tmp_path / "none")


def test_a_planner_reads_the_latest_report_and_no_record(tmp_path: Path) -> None:
    """200 with charts as data URLs; the planner's record request is refused; audited."""
    api, audit = _api(tmp_path, _reports(tmp_path))
    shown = get(api, REPORT, headers=PLANNING)
    record = get(api, f"/api/persons/{PERSON_A}/record",
                 headers={**PLANNING, "X-MCR-Purpose": "direct-care"})  # fmt: skip
    assert shown.status_code == 200
    [table] = shown.json()["tables"]
    assert table["chart"].startswith("data:image/png;base64,") and table["rows"][0]["values"] == [
        "*"
    ]
    assert shown.json()["workforce"]["chart"].startswith("data:image/png;base64,")
    assert record.status_code == 403
    first = audit.entries[0]
    assert (first.query_kind, first.outcome, first.purpose) == (
        "planning_report", "shown", "service-planning")  # fmt: skip


def test_others_are_refused(tmp_path: Path) -> None:
    """A GP is refused the report; the planning purpose is required; no report yet is 404."""
    api, _ = _api(tmp_path, _reports(tmp_path))
    gp = get(api, REPORT, headers={"Authorization": f"Bearer {GP_TOKEN}",
                                   "X-MCR-Purpose": "service-planning"})  # fmt: skip
    wrong_purpose = get(api, REPORT, headers={**PLANNING, "X-MCR-Purpose": "direct-care"})
    assert gp.status_code == 403 and gp.json()["field"] == "role"
    assert wrong_purpose.status_code == 400 and wrong_purpose.json()["field"] == "X-MCR-Purpose"
    empty, _ = _api(tmp_path)
    assert get(empty, REPORT, headers=PLANNING).status_code == 404
