"""Which organisations know a person, and since when.

Everyone is registered with a GP practice. Over the five-year window, the chance of being
known to the other kinds rises with age and long-term conditions (probabilities below, plus
the condition boosts in :func:`_boost`):

=========  =====  ==============================  ===========
age        acute  community and mental health     social care
=========  =====  ==============================  ===========
0-4        55%    40% (health visiting)           3%
5-17       35%    10%                             3%
18-44      45%    8%                              3%
45-64      55%    8%                              3%
65-79      75%    20%                             8%
80+        90%    45%                             25%
=========  =====  ==============================  ===========

People go to their town's hospital; 25% of Leighton Buzzard residents and 4% of everyone
else use the other one. Central Bedfordshire (Dunstable, Leighton Buzzard) publishes no
social care, so its residents have none.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from producers.simulator.conditions import Condition
from producers.simulator.people import Person
from producers.simulator.randomness import split
from producers.simulator.region import REGION, Area, Organisation, OrgKind
from producers.simulator.timeline import AS_OF, HISTORY_START, age_on, at_midnight, random_moment

_BANDS = (0, 5, 18, 45, 65, 80)
_RATES: dict[OrgKind, tuple[float, ...]] = {
    OrgKind.ACUTE: (0.55, 0.35, 0.45, 0.55, 0.75, 0.90),
    OrgKind.COMMUNITY_MENTAL_HEALTH: (0.40, 0.10, 0.08, 0.08, 0.20, 0.45),
    OrgKind.SOCIAL_CARE: (0.03, 0.03, 0.03, 0.03, 0.08, 0.25),
}
BORN_IN_HOSPITAL_RATE = 0.6
"""Of babies born in the window and known to a hospital, how many were born there."""


@dataclass(frozen=True)
class Membership:
    """``org`` has known the person since ``since`` (their first contact or registration)."""

    org: Organisation
    since: datetime


def _band(age: int) -> int:
    return max(i for i, start in enumerate(_BANDS) if age >= start)


def _boost(kind: OrgKind, conditions: frozenset[Condition]) -> float:
    if kind is OrgKind.ACUTE:
        return 0.05 * len(conditions)
    if kind is OrgKind.COMMUNITY_MENTAL_HEALTH:
        if conditions & {Condition.SEVERE_MENTAL_ILLNESS, Condition.DEMENTIA}:
            return 1.0
        return 0.25 if Condition.DEPRESSION in conditions else 0.0
    if kind is OrgKind.SOCIAL_CARE:
        return 0.4 if Condition.DEMENTIA in conditions else 0.0
    return 0.0


def _registered_since(rng: random.Random, person: Person) -> datetime:
    """GP registration: a few weeks after birth, or some time before the history window."""
    born = at_midnight(person.birth_date)
    if born >= HISTORY_START - timedelta(days=365 * 20):
        earliest = born + timedelta(days=14)
        return min(random_moment(rng, earliest, earliest + timedelta(days=42)), person.last_alive)
    return random_moment(rng, AS_OF - timedelta(days=365 * 20), HISTORY_START)


def _acute_for(rng: random.Random, area: Area) -> Organisation:
    home = REGION.serving(OrgKind.ACUTE, area)
    assert home is not None  # every town has a hospital
    cross_border = 0.25 if area is Area.LEIGHTON_BUZZARD else 0.04
    if rng.random() < cross_border:
        return next(org for org in REGION.of_kind(OrgKind.ACUTE) if org is not home)
    return home


def _first_contact(rng: random.Random, person: Person, org: Organisation) -> datetime:
    born = at_midnight(person.birth_date)
    born_here = org.kind is OrgKind.ACUTE and born >= HISTORY_START
    if born_here and rng.random() < BORN_IN_HOSPITAL_RATE:
        return born + timedelta(hours=rng.randint(0, 23))
    return random_moment(rng, max(HISTORY_START, born), person.last_alive)


def memberships(
    person: Person, conditions: frozenset[Condition], rng: random.Random
) -> tuple[Membership, ...]:
    """The organisations that know ``person``: GP first, then acute, community, social care."""
    found = [Membership(REGION.by_code(person.gp_practice), _registered_since(rng, person))]
    band = _band(age_on(person.birth_date, AS_OF.date()))
    for kind, rates in _RATES.items():
        draw, choice_rng = rng.random(), split(rng)
        if draw >= rates[band] + _boost(kind, conditions):
            continue
        org = (
            _acute_for(choice_rng, person.area)
            if kind is OrgKind.ACUTE
            else REGION.serving(kind, person.area)
        )
        if org is not None:
            found.append(Membership(org, _first_contact(choice_rng, person, org)))
    return tuple(found)
