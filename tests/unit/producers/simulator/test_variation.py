"""How each organisation's copy differs: rates within bounds over 5,000 people, and each kind
of variation visible in what the organisation recorded."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from producers.simulator.ids import nhs_number_for
from producers.simulator.names import NICKNAMES
from producers.simulator.records import Variation
from producers.simulator.region import OrgKind
from tests.unit.producers.simulator.conftest import SAMPLE_PEOPLE, SAMPLE_SEED, RegionSample

GP, ACUTE = OrgKind.GP_PRACTICE, OrgKind.ACUTE
COMMUNITY, SOCIAL = OrgKind.COMMUNITY_MENTAL_HEALTH, OrgKind.SOCIAL_CARE


def _rate(sample: RegionSample, kind: OrgKind, variation: Variation) -> float:
    records = [r for _, r in sample.records if r.membership.org.kind is kind]
    return sum(variation in r.variations for r in records) / len(records)


@pytest.mark.parametrize(
    ("kind", "variation", "lowest", "highest"),
    [
        (GP, Variation.TYPO, 0.001, 0.012),
        (GP, Variation.NHS_NUMBER_UNVERIFIED, 0.004, 0.02),
        (GP, Variation.NHS_NUMBER_MISSING, 0.0, 0.0),
        (GP, Variation.OLD_ADDRESS, 0.0, 0.0),
        (ACUTE, Variation.TYPO, 0.018, 0.045),
        (ACUTE, Variation.NICKNAME, 0.005, 0.03),
        (ACUTE, Variation.DAY_MONTH_SWAP, 0.0005, 0.008),
        (ACUTE, Variation.NHS_NUMBER_MISSING, 0.008, 0.035),
        (ACUTE, Variation.NHS_NUMBER_UNVERIFIED, 0.03, 0.07),
        (ACUTE, Variation.OLD_ADDRESS, 0.035, 0.08),
        (ACUTE, Variation.PLACEHOLDER_BABY, 0.007, 0.025),
        (ACUTE, Variation.PLACEHOLDER_UNKNOWN, 0.003, 0.015),
        (COMMUNITY, Variation.TYPO, 0.012, 0.05),
        (SOCIAL, Variation.NHS_NUMBER_MISSING, 0.25, 0.45),
        (SOCIAL, Variation.NHS_NUMBER_UNVERIFIED, 0.17, 0.35),
        (SOCIAL, Variation.ABBREVIATED_ADDRESS, 0.12, 0.30),
    ],
)
def test_variation_rates_within_bounds(
    region_sample: RegionSample, kind: OrgKind, variation: Variation, lowest: float, highest: float
) -> None:
    """Each variation occurs at about its documented rate for its organisation kind."""
    assert lowest <= _rate(region_sample, kind, variation) <= highest


@pytest.mark.parametrize(
    ("kind", "lowest", "highest"),
    [(GP, 1.0, 1.0), (ACUTE, 0.50, 0.66), (COMMUNITY, 0.10, 0.22), (SOCIAL, 0.025, 0.07)],
)
def test_people_known_to_each_kind(
    region_sample: RegionSample, kind: OrgKind, lowest: float, highest: float
) -> None:
    """Everyone has a GP; hospitals, community and social care know people at realistic rates."""
    known = {
        p.index
        for p, r in region_sample.records
        if r.membership.org.kind is kind and r.placeholder is None
    }
    assert lowest <= len(known) / SAMPLE_PEOPLE <= highest


def test_nicknames_replace_the_formal_name(region_sample: RegionSample) -> None:
    """A nickname record shows a known short form of the person's first given name."""
    found = [(p, r) for p, r in region_sample.records if Variation.NICKNAME in r.variations]
    assert found
    for person, record in found:
        recorded = record.current.given_names[0]
        assert recorded in NICKNAMES[person.given_names[0]] or Variation.TYPO in record.variations


def test_day_month_swap_swaps_the_birth_date(region_sample: RegionSample) -> None:
    """A swapped birth date has the true day as month and the true month as day."""
    found = [(p, r) for p, r in region_sample.records if Variation.DAY_MONTH_SWAP in r.variations]
    assert found
    for person, record in found:
        true = person.birth_date
        assert record.current.birth_date == date(true.year, true.day, true.month) != true


def test_old_address_at_exactly_one_organisation(region_sample: RegionSample) -> None:
    """After a move, the GP has the new address and at most one other org keeps the old one."""
    stale = Counter(
        p.index for p, r in region_sample.records if Variation.OLD_ADDRESS in r.variations
    )
    assert stale and set(stale.values()) == {1}
    for person, record in region_sample.records:
        if Variation.OLD_ADDRESS in record.variations:
            assert person.previous_address is not None
            assert record.current.address.postcode == person.previous_address.postcode  # type: ignore[union-attr]
        if person.moved_at and record.membership.org.kind is GP:
            assert record.current.address == person.address


def test_maiden_name_kept_at_some_organisations(region_sample: RegionSample) -> None:
    """Some organisations still hold a married woman's maiden name; her GP has the new one."""
    kept = [(p, r) for p, r in region_sample.records if Variation.MAIDEN_NAME in r.variations]
    assert kept
    assert all(
        r.current.family_name == p.maiden_name
        for p, r in kept
        if Variation.TYPO not in r.variations
    )
    gp_names = [
        (p, r)
        for p, r in region_sample.records
        if p.married_at and r.membership.org.kind is GP and Variation.TYPO not in r.variations
    ]
    assert all(r.current.family_name == p.family_name for p, r in gp_names)


def test_missing_nhs_numbers_are_absent(region_sample: RegionSample) -> None:
    """A record without an NHS number says ABSENT; one with a number carries the true one."""
    for person, record in region_sample.records:
        if record.nhs_number is None:
            assert record.nhs_status == "ABSENT"
        else:
            assert record.nhs_number == person.nhs_number


def test_placeholders_are_baby_or_unknown_hospital_records(region_sample: RegionSample) -> None:
    """Placeholder records exist only at hospitals, under their own id; a Baby record has the
    baby's verified NHS number (Birth Notification), or a twin's when marked so, an Unknown
    record none."""
    placeholders = [(p, r) for p, r in region_sample.records if r.placeholder is not None]
    assert {r.placeholder for _, r in placeholders} == {
        Variation.PLACEHOLDER_BABY,
        Variation.PLACEHOLDER_UNKNOWN,
    }
    for person, record in placeholders:
        assert record.membership.org.kind is ACUTE
        baby = record.placeholder is Variation.PLACEHOLDER_BABY
        keyed = person.nhs_number
        if Variation.TWIN_NUMBER in record.variations:
            assert person.twin is not None
            keyed = nhs_number_for(SAMPLE_SEED, person.twin)
        expected_number = (keyed, "VERIFIED") if baby else (None, "ABSENT")
        assert (record.nhs_number, record.nhs_status) == expected_number
        expected = "Baby" if baby else "Unknown"
        assert record.current.given_names == (expected,)
    local_ids = Counter((r.membership.org.code, r.local_id) for _, r in region_sample.records)
    assert max(local_ids.values()) == 1


def test_twins_records_never_share_an_nhs_number(region_sample: RegionSample) -> None:
    """No NHS number in any record belongs to two different people (except the Baby records
    deliberately keyed with the other twin's number)."""
    owners: dict[str, set[str]] = {}
    for person, record in region_sample.records:
        if record.nhs_number and Variation.TWIN_NUMBER not in record.variations:
            owners.setdefault(record.nhs_number, set()).add(person.truth_id)
    assert all(len(people) == 1 for people in owners.values())
