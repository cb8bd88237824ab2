"""How each organisation's copy of a person differs from the truth.

Recording errors stay with a record for its whole life (the same typo in every version);
life events (moving house, marrying, dying) reach some organisations and not others:

* the GP always updates; after a move exactly one other organisation keeps the old address;
  after a marriage each other organisation keeps the maiden name with probability 50%;
  a death reaches the acute trust 70% and others 30% of the time;
* per-record error rates by organisation kind are in :data:`RATES`;
* hospitals also hold placeholder records (:mod:`~producers.simulator.placeholders`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime

from producers.simulator import places, typos
from producers.simulator.ids import local_patient_id, nhs_number_for
from producers.simulator.membership import Membership
from producers.simulator.names import nickname
from producers.simulator.people import Person
from producers.simulator.placeholders import TWIN_NUMBER_RATE, placeholder_records
from producers.simulator.randomness import seeded, split
from producers.simulator.records import Demographics, DemographicVersion, OrgRecord, Variation
from producers.simulator.region import OrgKind
from producers.simulator.timeline import later


@dataclass(frozen=True)
class _Rates:
    typo: float
    nickname: float
    dropped_middle: float
    day_month_swap: float
    sex_unknown: float
    abbreviated: float
    nhs_status: tuple[tuple[str, ...], tuple[float, ...]]
    """PDS status symbols and their cumulative weights."""


RATES: dict[OrgKind, _Rates] = {
    OrgKind.GP_PRACTICE: _Rates(
        0.005, 0.01, 0.05, 0.002, 0.0, 0.0, (("VERIFIED", "UNVERIFIED"), (0.99, 1.0))
    ),
    OrgKind.ACUTE: _Rates(
        0.03,
        0.04,
        0.35,
        0.01,
        0.002,
        0.3,
        (("VERIFIED", "UNVERIFIED", "TRACE_REQUIRED", "ABSENT"), (0.93, 0.97, 0.98, 1.0)),
    ),
    OrgKind.COMMUNITY_MENTAL_HEALTH: _Rates(
        0.03, 0.05, 0.3, 0.01, 0.002, 0.1, (("VERIFIED", "UNVERIFIED", "ABSENT"), (0.95, 0.99, 1.0))
    ),
    OrgKind.SOCIAL_CARE: _Rates(
        0.04, 0.08, 0.5, 0.015, 0.01, 0.2, (("VERIFIED", "UNVERIFIED", "ABSENT"), (0.40, 0.65, 1.0))
    ),
}
MAIDEN_NAME_KEPT_RATE = 0.5


@dataclass(frozen=True)
class _Staleness:
    old_address: bool
    maiden_name: bool
    knows_death: bool


def _staleness(
    person: Person, found: tuple[Membership, ...], rng: random.Random
) -> list[_Staleness]:
    """Which life events each membership missed (one decision set per person)."""
    movable = [
        i
        for i, m in enumerate(found)
        if m.org.kind is not OrgKind.GP_PRACTICE and person.moved_at and m.since < person.moved_at
    ]
    stale_address = rng.choice(movable) if movable else None
    result = []
    for i, member in enumerate(found):
        is_gp = member.org.kind is OrgKind.GP_PRACTICE
        maiden = not is_gp and rng.random() < MAIDEN_NAME_KEPT_RATE
        death_rate = 1.0 if is_gp else 0.7 if member.org.kind is OrgKind.ACUTE else 0.3
        result.append(_Staleness(i == stale_address, maiden, rng.random() < death_rate))
    return result


def _truth_at(
    person: Person, moment: datetime, member: Membership, stale: _Staleness, *, dead: bool
) -> Demographics:
    """The truth at ``moment`` as this organisation would know it, before keying errors."""
    name = person.family_name_at(moment if not stale.maiden_name else member.since)
    address = person.address_at(moment if not stale.old_address else member.since)
    social = member.org.kind is OrgKind.SOCIAL_CARE
    return Demographics(
        given_names=person.given_names,
        family_name=name,
        birth_date=person.birth_date,
        sex=person.sex,
        address=address,
        phone=person.phone,
        language=None if social else person.language,
        registered_gp_practice=None if social else person.gp_practice,
        deceased_at=person.deceased_at if dead else None,
    )


def _change_points(
    person: Person, member: Membership, stale: _Staleness, rng: random.Random
) -> list[tuple[datetime, bool]]:
    """When the record gets a new version: (moment, whether the death is known by then)."""
    points = [(member.since, False)]
    for event_at, missed in (
        (person.moved_at, stale.old_address),
        (person.married_at, stale.maiden_name),
    ):
        if event_at and not missed and member.since < event_at:
            points.append((later(rng, event_at, low_s=3600, high_s=60 * 86400), False))
    if person.deceased_at and stale.knows_death and member.since < person.deceased_at:
        points.append((later(rng, person.deceased_at, low_s=3600, high_s=3 * 86400), True))
    points.sort()
    return [(at, any(dead for _, dead in points[: i + 1])) for i, (at, _) in enumerate(points)]


class _Keying:
    """The persistent recording errors of one record, applied to each of its versions."""

    def __init__(self, person: Person, kind: OrgKind, rng: random.Random) -> None:
        rates = RATES[kind]
        self.found: set[Variation] = set()
        first = person.given_names[0]
        short = nickname(rng, first) if rng.random() < rates.nickname else None
        self.given = (short or first, *person.given_names[1:])
        if short:
            self.found.add(Variation.NICKNAME)
        self.drop_middle = len(self.given) > 1 and rng.random() < rates.dropped_middle
        self.typo_target = rng.choice(("given", "family")) if rng.random() < rates.typo else None
        self.typo_rng = split(rng)
        self.swap = rng.random() < rates.day_month_swap and _swappable(person.birth_date)
        self.sex_unknown = rng.random() < rates.sex_unknown
        self.abbreviate = rng.random() < rates.abbreviated
        self.found |= {
            flag
            for flag, on in (
                (Variation.DROPPED_MIDDLE_NAME, self.drop_middle),
                (Variation.TYPO, self.typo_target is not None),
                (Variation.DAY_MONTH_SWAP, self.swap),
                (Variation.SEX_UNKNOWN, self.sex_unknown),
                (Variation.ABBREVIATED_ADDRESS, self.abbreviate),
            )
            if on
        }

    def apply(self, truth: Demographics) -> Demographics:
        given = self.given[:1] if self.drop_middle else self.given
        family = truth.family_name
        state = self.typo_rng.getstate()  # the same typo in every version
        if self.typo_target == "given":
            given = (typos.typo(self.typo_rng, given[0]), *given[1:])
        elif self.typo_target == "family" and family:
            family = typos.typo(self.typo_rng, family)
        self.typo_rng.setstate(state)
        birth = truth.birth_date
        if self.swap and birth:
            birth = date(birth.year, birth.day, birth.month)
        address = (
            places.abbreviate(truth.address) if self.abbreviate and truth.address else truth.address
        )
        return replace(
            truth,
            given_names=given,
            family_name=family,
            birth_date=birth,
            sex="UNKNOWN" if self.sex_unknown else truth.sex,
            address=address,
        )


def _swappable(birth: date) -> bool:
    return birth.day <= 12 and birth.day != birth.month


def _nhs(person: Person, kind: OrgKind, rng: random.Random) -> tuple[str | None, str]:
    symbols, weights = RATES[kind].nhs_status
    status = rng.choices(symbols, cum_weights=weights)[0]
    if person.nhs_number is None or status == "ABSENT":
        return None, "ABSENT"
    return person.nhs_number, status


def _main_record(
    person: Person, member: Membership, stale: _Staleness, rng: random.Random
) -> OrgRecord:
    keying = _Keying(person, member.org.kind, rng)
    nhs_number, status = _nhs(person, member.org.kind, rng)
    versions = tuple(
        DemographicVersion(at, keying.apply(_truth_at(person, at, member, stale, dead=dead)))
        for at, dead in _change_points(person, member, stale, rng)
    )
    found = set(keying.found)
    if nhs_number is None:
        found.add(Variation.NHS_NUMBER_MISSING)
    elif status != "VERIFIED":
        found.add(Variation.NHS_NUMBER_UNVERIFIED)
    if stale.old_address:
        found.add(Variation.OLD_ADDRESS)
    if stale.maiden_name and person.married_at and member.since < person.married_at:
        found.add(Variation.MAIDEN_NAME)
    local = local_patient_id(member.org.code, member.org.id_prefix, person=person.index)
    return OrgRecord(member, local, nhs_number, status, versions, frozenset(found))


def org_records(person: Person, found: tuple[Membership, ...], seed: int) -> tuple[OrgRecord, ...]:
    """Every record the region holds about ``person``: one per membership plus placeholders."""
    life = seeded(f"{seed}/{person.index}/life")
    records: list[OrgRecord] = []
    swapped = person.twin is not None and (
        seeded(f"{seed}/{person.index}/twin-number").random() < TWIN_NUMBER_RATE
    )
    twin_number = nhs_number_for(seed, person.twin) if swapped and person.twin is not None else None
    for member, stale in zip(found, _staleness(person, found, life), strict=True):
        rng = seeded(f"{seed}/{person.index}/record/{member.org.code}")
        records.append(_main_record(person, member, stale, rng))
        if member.org.kind is OrgKind.ACUTE:
            records.extend(placeholder_records(person, member, rng, twin_number=twin_number))
    return tuple(records)
