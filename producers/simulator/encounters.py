"""Encounters each organisation records: GP consultations, hospital outpatient, emergency and
inpatient episodes, community and mental health contacts, social care visits.

Expected counts over the five-year window (scaled by how long the organisation knows the
person): GP 1.2-6 consultations a year by age plus 0.7 per long-term condition; hospital
2 outpatient appointments plus 1 per condition, 1-2 emergency attendances, 0.3-1.3 admissions
by age; community and mental health contacts by need (health visiting, district nursing,
talking therapies, community mental health team); social care assessments and reviews.
Reasons are SNOMED CT; 7% of outpatient appointments are cancelled; a spell still open today
is IN_PROGRESS.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from producers.simulator.conditions import PREVALENCE, Condition
from producers.simulator.context import PersonContext, count_around, item_id
from producers.simulator.envelope import Item, code
from producers.simulator.reasons import (
    ADMISSION,
    BIRTH,
    CHILD_ADMISSION,
    EMERGENCY,
    GENERAL_SPECIALTIES,
    GP_ADULT,
    GP_CHILD,
    SPECIALTY_FOR,
    Reason,
)
from producers.simulator.records import OrgRecord, Variation
from producers.simulator.region import OrgKind
from producers.simulator.timeline import AS_OF, later, random_moment, working_hours
from schemas.events import RecordType

_SITES = {"RD8": "Milton Keynes University Hospital", "Bedford": "Bedford Hospital"}
SEXUAL_HEALTH_RATE = 0.03


@dataclass(frozen=True)
class Visit:
    """One planned encounter before it becomes an item."""

    encounter_class: str
    service: str
    start: datetime
    minutes: int
    reason: Reason | None = None
    status: str = "FINISHED"
    confidentiality: tuple[str, ...] = ()


def _times(
    rng: random.Random, ctx: PersonContext, record: OrgRecord, n: int, *, office: bool = True
) -> list[datetime]:
    start, end = ctx.window(record)
    pick = working_hours if office else random_moment
    return [pick(rng, start, end) for _ in range(n)]


def _gp_visits(ctx: PersonContext, record: OrgRecord, rng: random.Random) -> list[Visit]:
    rate = (3.0, 1.2, 1.8, 2.5, 4.0, 6.0)[_band(ctx.age)] + 0.7 * len(ctx.conditions)
    visits = []
    for start in _times(rng, ctx, record, count_around(rng, rate * ctx.years_known(record))):
        reasons = GP_CHILD if ctx.age_at(start) < 16 else GP_ADULT
        reason = rng.choice(reasons)
        if ctx.conditions and rng.random() < 0.4:
            chronic = PREVALENCE[rng.choice(sorted(ctx.conditions))]
            reason = (chronic.snomed, chronic.display)
        kind = rng.choices(
            ("AMBULATORY", "VIRTUAL", "HOME"),
            cum_weights=(65, 95, 100) if ctx.age < 80 else (50, 80, 100),
        )[0]
        visits.append(Visit(kind, "General practice", start, rng.choice((10, 12, 15)), reason))
    return visits


def _band(age: int) -> int:
    return sum(age >= start for start in (5, 18, 45, 65, 80))


_EMERGENCY_PER_5Y = (1.2, 1.0, 1.0, 1.0, 1.5, 2.0)
_ADMISSIONS_PER_5Y = (0.4, 0.2, 0.2, 0.3, 0.8, 1.3)


def _hospital_episodes(ctx: PersonContext, record: OrgRecord, rng: random.Random) -> list[Visit]:
    """Outpatient appointments, emergency attendances and admissions over the window."""
    years, band = ctx.years_known(record) / 5, _band(ctx.age)
    outpatients = count_around(rng, (2 + len(ctx.conditions)) * years)
    emergencies = count_around(rng, _EMERGENCY_PER_5Y[band] * years)
    admissions = count_around(rng, _ADMISSIONS_PER_5Y[band] * years)
    visits = [_outpatient(ctx, rng, t) for t in _times(rng, ctx, record, outpatients)]
    visits += [
        Visit("EMERGENCY", "Emergency Department", t, rng.randint(90, 420), rng.choice(EMERGENCY))
        for t in _times(rng, ctx, record, emergencies, office=False)
    ]
    visits += [_admission(ctx, rng, t) for t in _times(rng, ctx, record, admissions, office=False)]
    if 16 <= ctx.age <= 45 and rng.random() < SEXUAL_HEALTH_RATE:
        start = _times(rng, ctx, record, 1)[0]
        visits.append(
            Visit("OUTPATIENT", "Sexual Health", start, 30, None, "FINISHED", ("sexual-health",))
        )
    return visits


def _acute_visits(ctx: PersonContext, record: OrgRecord, rng: random.Random) -> list[Visit]:
    visits = _hospital_episodes(ctx, record, rng)
    since = record.membership.since
    if since.date() == ctx.person.birth_date:
        visits.append(Visit("INPATIENT", "Maternity", since, 36 * 60, BIRTH))
    elif visits:  # the first contact is what made the hospital register the person
        first = min(visits, key=lambda v: v.start)
        visits[visits.index(first)] = _at(first, since)
    return visits


def _at(visit: Visit, start: datetime) -> Visit:
    return Visit(
        visit.encounter_class,
        visit.service,
        start,
        visit.minutes,
        visit.reason,
        visit.status,
        visit.confidentiality,
    )


def _outpatient(ctx: PersonContext, rng: random.Random, start: datetime) -> Visit:
    if ctx.age_at(start) < 16:
        service = "Paediatrics"
    elif ctx.conditions and rng.random() < 0.6:
        service = SPECIALTY_FOR.get(rng.choice(sorted(ctx.conditions)), "General Medicine")
    else:
        service = rng.choice(GENERAL_SPECIALTIES)
    status = "CANCELLED" if rng.random() < 0.07 else "FINISHED"
    return Visit("OUTPATIENT", service, start, rng.choice((15, 20, 30)), None, status)


def _admission(ctx: PersonContext, rng: random.Random, start: datetime) -> Visit:
    child = ctx.age_at(start) < 16
    reason = rng.choice(CHILD_ADMISSION if child else ADMISSION)
    days = rng.randint(1, 4 if child else 4 + ctx.age // 10)
    service = "Paediatrics" if child else "General Medicine"
    return Visit("INPATIENT", service, start, days * 1440 + rng.randint(0, 600), reason)


_Need = tuple[str, str, float, Reason | None]
"""(encounter class, service, expected contacts in five years, reason)."""


_PHYSIOTHERAPY: _Need = (
    "AMBULATORY",
    "Musculoskeletal Physiotherapy",
    3,
    ("279039007", "Low back pain"),
)


def _community_needs(ctx: PersonContext) -> list[_Need]:
    """The community and mental health services a person uses, by age and condition."""
    needs: list[_Need] = []
    if ctx.age < 5:
        needs.append(("HOME", "Health Visiting", 4, None))
    elif ctx.age < 18:
        needs.append(("COMMUNITY", "School Nursing", 2, None))
    if Condition.SEVERE_MENTAL_ILLNESS in ctx.conditions:
        smi = PREVALENCE[Condition.SEVERE_MENTAL_ILLNESS]
        needs.append(("COMMUNITY", "Community Mental Health Team", 12, (smi.snomed, smi.display)))
    if Condition.DEPRESSION in ctx.conditions:
        needs.append(("VIRTUAL", "NHS Talking Therapies", 6, ("35489007", "Depressive disorder")))
    if Condition.DEMENTIA in ctx.conditions:
        needs.append(("AMBULATORY", "Memory Assessment Service", 3, ("52448006", "Dementia")))
    if ctx.age >= 65:
        needs.append(("HOME", "District Nursing", 8 if ctx.age < 80 else 15, None))
    return needs or [
        ("AMBULATORY", "Musculoskeletal Physiotherapy", 3, ("279039007", "Low back pain"))
    ]


def _community_visits(ctx: PersonContext, record: OrgRecord, rng: random.Random) -> list[Visit]:
    years = ctx.years_known(record) / 5
    visits = [
        Visit(kind, service, t, rng.choice((30, 45, 60)), reason)
        for kind, service, mean, reason in _community_needs(ctx)
        for t in _times(rng, ctx, record, max(1, count_around(rng, mean * years)))
    ]
    first = min(visits, key=lambda v: v.start)
    visits[visits.index(first)] = _at(first, record.membership.since)
    return visits


def _social_visits(ctx: PersonContext, record: OrgRecord, rng: random.Random) -> list[Visit]:
    start = record.membership.since
    if ctx.age < 18:
        first = Visit("HOME", "Children's Social Care Assessment", start, 90)
        service = "Children's Social Care Visit"
    else:
        first = Visit("HOME", "Adult Social Care Assessment", start, 90)
        service = "Care and Support Review"
    count = count_around(rng, 1 + 3 * ctx.years_known(record) / 5)
    return [first] + [
        Visit(rng.choice(("HOME", "OTHER")), service, t, 60)
        for t in _times(rng, ctx, record, count)
    ]


def _placeholder_visits(record: OrgRecord, rng: random.Random) -> list[Visit]:
    if record.placeholder is Variation.PLACEHOLDER_BABY:
        return [Visit("INPATIENT", "Maternity", record.membership.since, 36 * 60, BIRTH)]
    return [
        Visit(
            "EMERGENCY",
            "Emergency Department",
            record.membership.since,
            rng.randint(90, 420),
            rng.choice(EMERGENCY),
        )
    ]


_PLANNERS = {
    OrgKind.GP_PRACTICE: _gp_visits,
    OrgKind.ACUTE: _acute_visits,
    OrgKind.COMMUNITY_MENTAL_HEALTH: _community_visits,
    OrgKind.SOCIAL_CARE: _social_visits,
}


def _location(ctx: PersonContext, record: OrgRecord, visit: Visit) -> str | None:
    org = record.membership.org
    if visit.encounter_class in {"HOME", "VIRTUAL"}:
        return None
    if org.kind is OrgKind.ACUTE:
        return _SITES.get(org.code) or _SITES.get(
            ctx.person.area.value, "Luton and Dunstable Hospital"
        )
    return org.name


def _item(
    ctx: PersonContext, record: OrgRecord, visit: Visit, serial: int, rng: random.Random
) -> Item:
    end = visit.start + timedelta(minutes=visit.minutes)
    status = visit.status
    period_end: datetime | None = min(end, ctx.person.last_alive)
    if end > AS_OF and ctx.person.deceased_at is None:
        status, period_end = "IN_PROGRESS", None
    recorded = later(rng, period_end or visit.start, low_s=60, high_s=4 * 3600)
    body = {
        "encounter_class": visit.encounter_class,
        "status": status,
        "period_start": visit.start,
        "period_end": period_end,
        "service": visit.service,
        "location": _location(ctx, record, visit),
        "reason": code("SNOMED", *visit.reason) if visit.reason else None,
    }
    return Item(
        RecordType.ENCOUNTER,
        item_id(record, "E", serial),
        1,
        visit.start,
        recorded,
        body,
        confidentiality=visit.confidentiality,
    )


def encounter_items(ctx: PersonContext, record: OrgRecord) -> list[Item]:
    """The encounters ``record``'s organisation holds, oldest first."""
    rng = ctx.rng(record, "encounters")
    if record.placeholder:
        visits = _placeholder_visits(record, rng)
    else:
        visits = _PLANNERS[record.membership.org.kind](ctx, record, rng)
    visits.sort(key=lambda visit: visit.start)
    return [_item(ctx, record, visit, serial, rng) for serial, visit in enumerate(visits, 1)]
