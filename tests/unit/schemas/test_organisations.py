"""The region's organisations file: parsing, rules that name the field, and the lifecycle."""

from __future__ import annotations

from datetime import date

import pytest

from schemas.organisations import (
    LifecycleError,
    OrganisationError,
    OrganisationKind,
    OrgStatus,
    load_organisations,
    next_status,
    parse_organisations,
)

GOOD = """
[[organisation]]
ods_code = "E81001"
name = "De Parys Surgery"
kind = "gp_practice"
systems = ["EMIS Web"]
status = "live"
agreement_signed = 2024-01-08
live_since = 2024-02-05
contact = "sharing.e81001@example.org"
areas = ["Bedford"]
"""


def test_the_shipped_region_file_parses_with_fixed_codes() -> None:
    """The shipped file holds 99 organisations: 97 live publishers and two onboarding."""
    orgs = load_organisations()
    by_code = {o.ods_code: o for o in orgs}
    assert len(orgs) == 99
    assert [o.status for o in orgs].count(OrgStatus.LIVE) == 97
    assert by_code["00KC"].status is OrgStatus.ONBOARDING
    assert by_code["RYC"].kind is OrganisationKind.AMBULANCE
    assert by_code["RC9"].agreement_signed == date(2024, 1, 8)


def test_an_entry_is_read_field_by_field() -> None:
    """Every field of an entry is read with its type."""
    (org,) = parse_organisations(GOOD)
    assert (org.ods_code, org.kind, org.systems, org.status) == (
        "E81001", OrganisationKind.GP_PRACTICE, ("EMIS Web",), OrgStatus.LIVE,
    )  # fmt: skip
    assert (org.agreement_signed, org.live_since, org.areas) == (
        date(2024, 1, 8), date(2024, 2, 5), ("Bedford",),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('ods_code = "E81001"', 'ods_code = "e8 1"', "organisation[0].ods_code"),
        ('kind = "gp_practice"', 'kind = "pharmacy"', "organisation[0].kind"),
        ('status = "live"', 'status = "paused"', "organisation[0].status"),
        ('contact = "sharing.e81001@example.org"', 'contact = "nobody"', "organisation[0].contact"),
        ("agreement_signed = 2024-01-08", 'agreement_signed = "soon"',
         "organisation[0].agreement_signed"),
        ("agreement_signed = 2024-01-08", "", "organisation[0].agreement_signed"),
        ('systems = ["EMIS Web"]', "systems = [1]", "organisation[0].systems"),
    ],
)  # fmt: skip
def test_a_broken_entry_names_its_field_never_its_value(old: str, new: str, field: str) -> None:
    """Each broken field is reported by path and rule, without echoing the value."""
    with pytest.raises(OrganisationError) as caught:
        parse_organisations(GOOD.replace(old, new))
    assert caught.value.field == field
    assert "pharmacy" not in str(caught.value) and "nobody" not in str(caught.value)


def test_a_code_listed_twice_is_refused() -> None:
    """Two entries with one ODS code are refused, naming the second."""
    with pytest.raises(OrganisationError, match=r"organisation\[1\]\.ods_code: listed twice"):
        parse_organisations(GOOD + GOOD)


def test_a_file_that_is_not_toml_is_refused() -> None:
    """Broken TOML is one clear error."""
    with pytest.raises(OrganisationError, match="file: not valid TOML"):
        parse_organisations("[[organisation]\n")


@pytest.mark.parametrize(
    ("current", "action", "expected"),
    [
        (OrgStatus.ONBOARDING, "resume", OrgStatus.LIVE),
        (OrgStatus.SUSPENDED, "resume", OrgStatus.LIVE),
        (OrgStatus.LIVE, "suspend", OrgStatus.SUSPENDED),
    ],
)
def test_the_lifecycle_moves(current: OrgStatus, action: str, expected: OrgStatus) -> None:
    """Resume makes an onboarding or suspended organisation live; suspend stops a live one."""
    assert next_status(current, action) is expected


@pytest.mark.parametrize(
    ("current", "action"),
    [
        (OrgStatus.LIVE, "resume"),
        (OrgStatus.ONBOARDING, "suspend"),
        (OrgStatus.SUSPENDED, "suspend"),
        (OrgStatus.LIVE, "delete"),
    ],
)
def test_other_moves_are_refused(current: OrgStatus, action: str) -> None:
    """Any other move is a LifecycleError naming the status."""
    with pytest.raises(LifecycleError, match=f"cannot {action} an organisation that is {current}"):
        next_status(current, action)
