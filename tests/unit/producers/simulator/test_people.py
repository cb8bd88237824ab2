"""The true people: age pyramid, twins, moves, marriages, names, places."""

from __future__ import annotations

from datetime import timedelta

import pytest

from producers.simulator.names import NICKNAMES
from producers.simulator.people import make_person
from producers.simulator.places import DISTRICTS
from producers.simulator.timeline import AS_OF, age_on
from tests.unit.producers.simulator.conftest import SAMPLE_PEOPLE, RegionSample


def _share(count: int, total: int = SAMPLE_PEOPLE) -> float:
    return count / total


@pytest.mark.parametrize(
    ("low_age", "high_age", "lowest", "highest"),
    [(0, 17, 0.18, 0.25), (18, 64, 0.55, 0.64), (65, 120, 0.16, 0.23), (85, 120, 0.015, 0.04)],
)
def test_age_pyramid(
    region_sample: RegionSample, low_age: int, high_age: int, lowest: float, highest: float
) -> None:
    """Age bands hold England-like shares of the population."""
    ages = [age_on(p.birth_date, AS_OF.date()) for p in region_sample.people]
    share = _share(sum(low_age <= age <= high_age for age in ages))
    assert lowest <= share <= highest


@pytest.mark.parametrize(
    ("attribute", "lowest", "highest"),
    [
        ("twin", 0.008, 0.025),
        ("moved_at", 0.10, 0.145),
        ("married_at", 0.005, 0.03),
        ("deceased_at", 0.015, 0.06),
    ],
)
def test_life_event_rates(
    region_sample: RegionSample, attribute: str, lowest: float, highest: float
) -> None:
    """Twins, movers, newly-married women and deaths occur at their documented rates."""
    share = _share(sum(getattr(p, attribute) is not None for p in region_sample.people))
    assert lowest <= share <= highest


def test_twins_share_household_but_not_identity(region_sample: RegionSample) -> None:
    """Twins share birth date, family name and address, never given name or NHS number."""
    by_index = {p.index: p for p in region_sample.people}
    pairs = [
        (p, by_index[p.twin])
        for p in region_sample.people
        if p.twin is not None and p.twin in by_index and p.index < p.twin
    ]
    assert len(pairs) >= 20
    for one, other in pairs:
        assert (one.birth_date, one.family_name, one.address) == (
            other.birth_date,
            other.family_name,
            other.address,
        )
        assert one.given_names[0] != other.given_names[0]
        assert one.nhs_number != other.nhs_number
        assert one.truth_id != other.truth_id


def test_married_women_changed_family_name(region_sample: RegionSample) -> None:
    """A marriage gives a new family name and keeps the maiden name, for women only."""
    married = [p for p in region_sample.people if p.married_at is not None]
    assert married
    assert all(p.sex == "FEMALE" and p.maiden_name not in {None, p.family_name} for p in married)
    for person in married:
        assert person.married_at is not None
        assert person.family_name_at(person.married_at - timedelta(days=1)) == person.maiden_name
        assert person.family_name_at(person.married_at) == person.family_name


def test_people_live_in_their_towns_districts(region_sample: RegionSample) -> None:
    """Every postcode's district belongs to the person's town, and the town ends the address."""
    for person in region_sample.people:
        assert person.address.postcode.split(" ")[0] in DISTRICTS[person.area]
        assert person.address.lines[-1] == person.area.value


def test_sex_split_is_about_even(region_sample: RegionSample) -> None:
    """Roughly half the people are women."""
    share = _share(sum(p.sex == "FEMALE" for p in region_sample.people))
    assert 0.47 <= share <= 0.54


def test_names_come_from_the_reference_lists(region_sample: RegionSample) -> None:
    """Common formal names appear, so nicknames have something to shorten."""
    first_names = {p.given_names[0] for p in region_sample.people}
    assert len(first_names & set(NICKNAMES)) >= 30


@pytest.mark.parametrize(
    ("seed", "index", "truth_id", "nhs_number"),
    [(1, 0, "P0000000", "9994762818"), (1, 1, "P0000001", "9996932567")],
)
def test_person_is_a_function_of_seed_and_index(
    seed: int, index: int, truth_id: str, nhs_number: str
) -> None:
    """Making person i twice gives the same person, with its id and NHS number."""
    person = make_person(seed, index)
    assert person == make_person(seed, index)
    assert (person.truth_id, person.nhs_number) == (truth_id, nhs_number)
