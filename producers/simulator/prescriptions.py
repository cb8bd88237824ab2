"""Medicines each organisation records: GP repeats and acute courses, hospital discharge
medicines, and the antipsychotic a mental health trust prescribes.

GP repeats start early in the window (the person is already on them) and 10% are stopped
later (a second version, status STOPPED with an end date). Acute courses come at 0.4 a year
(0.6 for children), dated on a GP consultation when there is one. Hospitals prescribe on
discharge from 40% of admissions.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from producers.simulator import medicines
from producers.simulator.conditions import Condition
from producers.simulator.context import PersonContext, count_around, item_id
from producers.simulator.envelope import Item, code
from producers.simulator.medicines import OLANZAPINE, Medicine
from producers.simulator.records import OrgRecord
from producers.simulator.region import OrgKind
from producers.simulator.timeline import later, random_moment, working_hours
from schemas.events import RecordType

STOPPED_RATE = 0.10
DISCHARGE_RATE = 0.40


def _body(
    medicine: Medicine,
    *,
    kind: str,
    course: str,
    start: datetime,
    end: datetime | None,
    prescriber: str,
) -> dict[str, Any]:
    return {
        "medication": code("DMD", medicine.code, medicine.name),
        "kind": kind,
        "status": "ACTIVE",
        "course": course,
        "dose_text": medicine.dose_text,
        "dose_quantity": float(medicine.dose_quantity),
        "dose_unit": medicine.dose_unit,
        "route": medicine.route,
        "frequency": medicine.frequency,
        "start_date": start.date(),
        "end_date": end.date() if end else None,
        "prescriber": prescriber,
    }


class _Prescriber:
    """Numbers one record's medicine items and builds them."""

    def __init__(self, record: OrgRecord, rng: random.Random, role: str) -> None:
        self.record, self.rng, self.role = record, rng, role
        self.items: list[Item] = []
        self.serial = 0

    def add(
        self,
        medicine: Medicine,
        start: datetime,
        *,
        course: str,
        kind: str = "REQUEST",
        end: datetime | None = None,
    ) -> Item:
        self.serial += 1
        body = _body(medicine, kind=kind, course=course, start=start, end=end, prescriber=self.role)
        recorded = later(self.rng, start, low_s=60, high_s=600)
        item = Item(
            RecordType.MEDICATION, item_id(self.record, "M", self.serial), 1, start, recorded, body
        )
        self.items.append(item)
        return item


def _repeats(ctx: PersonContext, record: OrgRecord, pad: _Prescriber) -> None:
    """Repeats for the person's conditions, started early in the window; some later stopped."""
    rng, (start, end) = pad.rng, ctx.window(record)
    early_end = min(start + timedelta(days=365), end)
    for medicine in medicines.repeats_for(ctx.conditions, rng):
        item = pad.add(medicine, working_hours(rng, start, early_end), course="REPEAT")
        if rng.random() < STOPPED_RATE:
            stopped = random_moment(rng, item.recorded_at, end)
            recorded = later(rng, stopped, low_s=60, high_s=600)
            pad.items.append(item.next_version(recorded, status="STOPPED", end_date=stopped.date()))


def _acute_courses(
    ctx: PersonContext, record: OrgRecord, encounters: list[Item], pad: _Prescriber
) -> None:
    """Short courses, each on a GP consultation when the person had one."""
    rng, (start, end) = pad.rng, ctx.window(record)
    consultations = [e.occurred_at for e in encounters if e.body["status"] == "FINISHED"]
    rate = 0.6 if ctx.age < 16 else 0.4
    for _ in range(count_around(rng, rate * ctx.years_known(record))):
        when = rng.choice(consultations) if consultations else working_hours(rng, start, end)
        course = medicines.acute_course(rng, child=ctx.age_at(when) < 16)
        pad.add(course, when, course="ACUTE", end=when + timedelta(days=course.course_days))


def _gp(
    ctx: PersonContext, record: OrgRecord, encounters: list[Item], rng: random.Random
) -> list[Item]:
    pad = _Prescriber(record, rng, "General practitioner")
    _repeats(ctx, record, pad)
    _acute_courses(ctx, record, encounters, pad)
    return pad.items


def _hospital(record: OrgRecord, encounters: list[Item], rng: random.Random) -> list[Item]:
    pad = _Prescriber(record, rng, "Hospital doctor")
    for encounter in encounters:
        discharged = encounter.body["period_end"]
        if (
            encounter.body["encounter_class"] == "INPATIENT"
            and discharged
            and (rng.random() < DISCHARGE_RATE)
        ):
            course = medicines.acute_course(rng, child=False)
            pad.add(
                course,
                discharged,
                course="ACUTE",
                end=discharged + timedelta(days=course.course_days),
            )
    return pad.items


def _mental_health(ctx: PersonContext, record: OrgRecord, rng: random.Random) -> list[Item]:
    if Condition.SEVERE_MENTAL_ILLNESS not in ctx.conditions:
        return []
    pad = _Prescriber(record, rng, "Consultant psychiatrist")
    pad.add(OLANZAPINE, record.membership.since, course="REPEAT", kind="STATEMENT")
    return pad.items


def medication_items(ctx: PersonContext, record: OrgRecord, encounters: list[Item]) -> list[Item]:
    """Every medicine version ``record``'s organisation holds."""
    rng = ctx.rng(record, "medicines")
    kind = record.membership.org.kind
    if record.placeholder:
        return []
    if kind is OrgKind.GP_PRACTICE:
        return _gp(ctx, record, encounters, rng)
    if kind is OrgKind.ACUTE:
        return _hospital(record, encounters, rng)
    if kind is OrgKind.COMMUNITY_MENTAL_HEALTH:
        return _mental_health(ctx, record, rng)
    return []
