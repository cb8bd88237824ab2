"""Break-glass rules: the reason (fixed code + free text never echoed), who may open one, and
what an opening covers (expiry, wrong person, wrong user, wrong role)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from consumers.api.authz.break_glass import (
    BreakGlass,
    ReasonCode,
    new_break_glass,
    opening_entry,
)
from consumers.api.authz.errors import BreakGlassRefusedError, BreakGlassRequestError
from consumers.api.authz.policy import load_policy
from consumers.api.chain import row_hash
from tests.unit.consumers.api.authz.builders import NOW, role

TEXT = "Unconscious in ED, no history available"
POLICY = load_policy()


def opened(**changes: object) -> BreakGlass:
    grant = new_break_glass(user_id="555000000003", role=role(), person_id="person-a",
                            code="emergency-treatment", text=TEXT, request_id="req-1",
                            policy=POLICY, now=NOW)  # fmt: skip
    return replace(grant, **changes)  # type: ignore[arg-type]


def test_an_opening_lasts_the_duration_and_records_role_and_organisation() -> None:
    grant = opened()
    assert (grant.at, grant.expires_at) == (NOW, NOW + timedelta(minutes=60))
    assert (grant.role_id, grant.role_code, grant.org_code) == (
        "555000001003", "S8000:G8000:R8000", "RC9")  # fmt: skip
    assert grant.reason_code is ReasonCode.EMERGENCY_TREATMENT and grant.reason_text == TEXT
    assert TEXT not in repr(grant)


@pytest.mark.parametrize(
    ("code", "text", "field"),
    [
        ("emergency", TEXT, "reason_code"),
        ("", TEXT, "reason_code"),
        ("EMERGENCY-TREATMENT", TEXT, "reason_code"),
        ("other", "too short", "reason_text"),
        ("other", "   padded     ", "reason_text"),  # 6 characters once stripped
        ("other", "x" * 501, "reason_text"),
        ("other", "null byte\x00 inside the text", "reason_text"),
        ("other", "escape\x1b[31m in the text", "reason_text"),
    ],
)
def test_a_bad_reason_is_refused_naming_the_field_never_the_text(
    code: str, text: str, field: str
) -> None:
    with pytest.raises(BreakGlassRequestError) as caught:
        new_break_glass(user_id="u", role=role(), person_id="p", code=code, text=text,
                        request_id="r", policy=POLICY, now=NOW)  # fmt: skip
    assert caught.value.field == field and caught.value.status == 400
    assert str(caught.value).startswith(f"{field}: ")
    if field == "reason_text":
        assert text.strip() not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "stored"),
    [("x" * 10, "x" * 10), ("x" * 500, "x" * 500), ("  Fitting on arrival \n", "Fitting on arrival"),
     ("line one\nline two", "line one\nline two")],
)  # fmt: skip
def test_a_good_reason_text_is_kept_stripped(text: str, stored: str) -> None:
    grant = new_break_glass(user_id="u", role=role(), person_id="p", code="other", text=text,
                            request_id="r", policy=POLICY, now=NOW)  # fmt: skip
    assert grant.reason_text == stored


@pytest.mark.parametrize(
    "code", ["S8002:G8003:R0001", "S8000:G8000:R9999", "S8000:G8000"]
)  # IG officer, unknown role, no job role
def test_a_role_that_sees_no_record_may_not_break_the_glass(code: str) -> None:
    with pytest.raises(BreakGlassRefusedError) as caught:
        new_break_glass(user_id="u", role=role(code), person_id="p", code="other", text=TEXT,
                        request_id="r", policy=POLICY, now=NOW)  # fmt: skip
    assert caught.value.status == 403


MINUTE = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("case", "query", "covered"),
    [
        ("same user, person, in time", {"user_id": "555000000003"}, True),
        ("same role, person, in time", {"role_id": "555000001003"}, True),
        ("at the moment it opened", {"user_id": "555000000003", "at": NOW}, True),
        ("the last moment", {"user_id": "555000000003", "at": NOW + 60 * MINUTE
                             - timedelta(microseconds=1)}, True),
        ("expired", {"user_id": "555000000003", "at": NOW + 60 * MINUTE}, False),
        ("before it opened", {"user_id": "555000000003", "at": NOW - MINUTE}, False),
        ("wrong person", {"user_id": "555000000003", "person": "person-b"}, False),
        ("wrong user", {"user_id": "555000000004"}, False),
        ("wrong role of the same user", {"user_id": "555000000003", "role_id": "555000001099"},
         False),
        ("nobody named", {}, False),
    ],
)  # fmt: skip
def test_what_an_opening_covers(case: str, query: dict[str, object], covered: bool) -> None:
    at = query.pop("at", NOW + MINUTE)
    person = query.pop("person", "person-a")
    assert opened().covers(person_id=person, now=at, **query) is covered  # type: ignore[arg-type]


def test_an_opening_is_an_audited_flagged_event_without_the_free_text() -> None:
    entry = opening_entry(opened(), action="POST /api/persons/{person_id}/break-glass")
    assert (entry.flagged, entry.break_glass_reason, entry.query_kind, entry.person_ids) == (
        True, "emergency-treatment", "break_glass", ("person-a",))  # fmt: skip
    assert entry.as_dict()["flagged"] is True
    assert TEXT not in repr(entry) and TEXT not in str(entry.as_dict())
    assert len(row_hash("0" * 64, 1, entry)) == 64


@pytest.mark.parametrize(
    ("raw", "end", "expected"),
    [
        ("2025-03-01", False, "2025-03-01T00:00:00+00:00"),
        ("2025-03-01", True, "2025-03-02T00:00:00+00:00"),
        ("2025-03-01T09:30:00", False, "2025-03-01T09:30:00+00:00"),
        ("2025-03-01T09:30:00+01:00", True, "2025-03-01T09:30:00+01:00"),
    ],
)
def test_report_windows_read_dates_and_times_the_same_for_cli_and_service(
    raw: str, end: bool, expected: str
) -> None:
    """A date is midnight UTC (the next one as an end, so the day counts); a time without an
    offset is UTC; anything else is a ValueError."""
    from consumers.api.authz.reports import report_instant

    assert report_instant(raw, end=end).isoformat() == expected
    with pytest.raises(ValueError):
        report_instant("01/03/2025", end=False)
