"""The true people of the region: who each person really is, derived from (seed, index) alone.

Rates: 1.5% of people are twins (1.5% of index pairs 2k, 2k+1; aged 0-25, sharing birth date,
family name, address and practice, with different given names and NHS numbers); moved house
in the last five years 12%; women aged 22-60 who married and changed family name 6%; died in
the window by age (1% under 65 up to 45% at 90+). Ages follow the England age pyramid.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import accumulate

from producers.simulator import names, places
from producers.simulator.ids import nhs_number_for
from producers.simulator.names import Heritage, Sex
from producers.simulator.places import Address
from producers.simulator.randomness import seeded
from producers.simulator.region import REGION, Area, OrgKind
from producers.simulator.timeline import AS_OF, HISTORY_START, at_midnight, random_moment
from schemas.nhs_number import NhsNumber

TWIN_PAIR_RATE = 0.015
MOVED_RATE = 0.12
MARRIED_RATE = 0.06
MIDDLE_NAME_RATE = 0.45

# England age pyramid in 5-year bands (0-4 ... 85-89, then 90-99), percent of population.
_AGE_BAND_SHARES = (
    5.5,
    5.9,
    6.1,
    5.8,
    6.0,
    6.5,
    6.9,
    6.8,
    6.5,
    6.2,
    6.8,
    6.8,
    6.0,
    5.1,
    4.9,
    4.1,
    2.7,
    1.6,
    0.9,
)
_AGE_WEIGHTS = list(accumulate(_AGE_BAND_SHARES))
_HERITAGE_BY_AREA: dict[Area, tuple[float, float, float, float]] = {
    Area.LUTON: (0.55, 0.30, 0.07, 0.08),
    Area.BEDFORD: (0.72, 0.14, 0.08, 0.06),
    Area.MILTON_KEYNES: (0.72, 0.11, 0.07, 0.10),
    Area.LEIGHTON_BUZZARD: (0.88, 0.05, 0.04, 0.03),
    Area.DUNSTABLE: (0.86, 0.07, 0.04, 0.03),
}
_LANGUAGES: dict[Heritage, tuple[tuple[str, ...], tuple[int, ...]]] = {
    Heritage.BRITISH: (("en",), (1,)),
    Heritage.SOUTH_ASIAN: (("en", "ur", "pa", "bn", "gu"), (60, 75, 85, 95, 100)),
    Heritage.EASTERN_EUROPEAN: (("pl", "ro", "en"), (50, 80, 100)),
    Heritage.AFRICAN_CARIBBEAN: (("en", "yo", "tw"), (90, 95, 100)),
}


@dataclass(frozen=True)
class Person:
    """One true person; ``family_name`` and ``address`` are the current ones."""

    index: int
    truth_id: str
    nhs_number: NhsNumber | None
    sex: Sex
    given_names: tuple[str, ...]
    family_name: str
    birth_date: date
    heritage: Heritage
    area: Area
    address: Address
    gp_practice: str
    phone: str | None
    language: str
    previous_address: Address | None = None
    moved_at: datetime | None = None
    maiden_name: str | None = None
    married_at: datetime | None = None
    twin: int | None = None
    deceased_at: datetime | None = None

    @property
    def last_alive(self) -> datetime:
        """When the person's history ends: death or now."""
        return self.deceased_at or AS_OF

    def family_name_at(self, moment: datetime) -> str:
        """The family name the person used at ``moment``."""
        if self.maiden_name and self.married_at and moment < self.married_at:
            return self.maiden_name
        return self.family_name

    def address_at(self, moment: datetime) -> Address:
        """Where the person lived at ``moment``."""
        if self.previous_address and self.moved_at and moment < self.moved_at:
            return self.previous_address
        return self.address


@dataclass(frozen=True)
class _Household:
    heritage: Heritage
    area: Area
    family_name: str
    address: Address
    gp_practice: str


def person_rng(seed: int, index: int, purpose: str) -> random.Random:
    """An independent random stream for one purpose of one person (string seeds are stable)."""
    return seeded(f"{seed}/{index}/{purpose}")


def random_birth_date(rng: random.Random, *, max_age: int = 99) -> date:
    """A birth date drawn from the age pyramid (ages 0..max_age on the simulated today)."""
    while True:
        band = rng.choices(range(len(_AGE_BAND_SHARES)), cum_weights=_AGE_WEIGHTS)[0]
        age = band * 5 + rng.randrange(10 if band == len(_AGE_BAND_SHARES) - 1 else 5)
        if age <= max_age:
            return AS_OF.date() - timedelta(days=age * 365 + rng.randrange(365))


def _household(rng: random.Random) -> _Household:
    area = places.random_area(rng)
    heritage = rng.choices(tuple(Heritage), cum_weights=list(accumulate(_HERITAGE_BY_AREA[area])))[
        0
    ]
    practice = rng.choice(REGION.of_kind(OrgKind.GP_PRACTICE, area)).code
    return _Household(
        heritage, area, names.family_name(rng, heritage), places.random_address(rng, area), practice
    )


def _given_names(
    rng: random.Random, sex: Sex, year: int, heritage: Heritage, avoid: str | None = None
) -> tuple[str, ...]:
    first = names.given_name(rng, sex=sex, birth_year=year, heritage=heritage)
    while first == avoid:
        first = names.given_name(rng, sex=sex, birth_year=year, heritage=heritage)
    if rng.random() >= MIDDLE_NAME_RATE:
        return (first,)
    middle = names.given_name(rng, sex=sex, birth_year=year, heritage=heritage)
    return (first,) if middle == first else (first, middle)


def _sex(rng: random.Random) -> Sex:
    return "MALE" if rng.random() < 0.494 else "FEMALE"


def _death(rng: random.Random, birth: date) -> datetime | None:
    age = AS_OF.year - birth.year
    risk = 0.01 if age < 65 else 0.08 if age < 80 else 0.25 if age < 90 else 0.45
    if rng.random() >= risk:
        return None
    return random_moment(rng, max(HISTORY_START, at_midnight(birth)), AS_OF)


def _language(rng: random.Random, heritage: Heritage) -> str:
    codes, weights = _LANGUAGES[heritage]
    return rng.choices(codes, cum_weights=weights)[0]


def _phone(rng: random.Random) -> str | None:
    # 07700 900xxx is Ofcom's range reserved for drama: never a real subscriber.
    return f"07700 900{rng.randrange(1000):03d}" if rng.random() < 0.85 else None


def make_person(seed: int, index: int) -> Person:
    """Person ``index`` of the region generated with ``seed`` (needs nothing else)."""
    pair = person_rng(seed, index // 2, "twin-pair")
    if pair.random() < TWIN_PAIR_RATE:
        return _twin(seed, index, pair)
    rng = person_rng(seed, index, "person")
    home = _household(rng)
    birth = random_birth_date(rng)
    sex = _sex(rng)
    person = _person(
        seed,
        index,
        rng,
        home=home,
        birth=birth,
        sex=sex,
        given=_given_names(rng, sex, birth.year, home.heritage),
    )
    person = _maybe_moved(rng, person)
    return _maybe_married(rng, person)


def _twin(seed: int, index: int, pair: random.Random) -> Person:
    """Both twins draw the shared household from the pair's stream, then take their own."""
    home = _household(pair)
    birth = random_birth_date(pair, max_age=25)
    sexes = (_sex(pair), _sex(pair))
    first = _given_names(pair, sexes[0], birth.year, home.heritage)
    second = _given_names(pair, sexes[1], birth.year, home.heritage, avoid=first[0])
    mine = index % 2
    rng = person_rng(seed, index, "person")
    return _person(
        seed,
        index,
        rng,
        home=home,
        birth=birth,
        sex=sexes[mine],
        given=(first, second)[mine],
        twin=index ^ 1,
    )


def _person(
    seed: int,
    index: int,
    rng: random.Random,
    *,
    home: _Household,
    birth: date,
    sex: Sex,
    given: tuple[str, ...],
    twin: int | None = None,
) -> Person:
    return Person(
        index=index,
        truth_id=f"P{index:07d}",
        nhs_number=nhs_number_for(seed, index),
        sex=sex,
        given_names=given,
        family_name=home.family_name,
        birth_date=birth,
        heritage=home.heritage,
        area=home.area,
        address=home.address,
        gp_practice=home.gp_practice,
        phone=_phone(rng),
        language=_language(rng, home.heritage),
        twin=twin,
        deceased_at=_death(rng, birth),
    )


def _maybe_moved(rng: random.Random, person: Person) -> Person:
    if rng.random() >= MOVED_RATE:
        return person
    start = max(HISTORY_START, at_midnight(person.birth_date))
    moved_at = random_moment(rng, start, person.last_alive)
    new_home = places.random_address(rng, person.area)
    return replace(person, previous_address=person.address, address=new_home, moved_at=moved_at)


def _maybe_married(rng: random.Random, person: Person) -> Person:
    age = AS_OF.year - person.birth_date.year
    if person.sex != "FEMALE" or not 22 <= age <= 60 or rng.random() >= MARRIED_RATE:
        return person
    new_name = names.family_name(rng, person.heritage)
    if new_name == person.family_name:
        return person
    married_at = random_moment(rng, HISTORY_START, person.last_alive)
    return replace(
        person, maiden_name=person.family_name, family_name=new_name, married_at=married_at
    )
