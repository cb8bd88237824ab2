"""Placeholder records hospitals create before they know who a patient is.

"Baby" records for 50% of babies born in the hospital (given name Baby, the family name, true
birth date, sex and address, and the baby's NHS number as VERIFIED: since 2002 the Birth
Notification issues the number at birth, before the baby is named; for 10% of twins the other
twin's number is keyed instead, a deliberately high rate with no published figure behind it,
so the region tests the matcher against that danger) and "Unknown" emergency
records for 0.8% of a hospital's patients (given and family name Unknown, no address or NHS
number, birth date missing or estimated as 1 January of the decade). Each has its own local id,
so the identity service sees a second record of the same person at the same hospital.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime

from producers.simulator.ids import local_patient_id
from producers.simulator.membership import Membership
from producers.simulator.people import Person
from producers.simulator.records import Demographics, DemographicVersion, OrgRecord, Variation
from producers.simulator.timeline import random_moment

BABY_RECORD_RATE = 0.5
TWIN_NUMBER_RATE = 0.1
"""Share of twins whose Baby records carry the other twin's NHS number (see the docstring)."""
UNKNOWN_RECORD_RATE = 0.008


def _placeholder(
    person: Person,
    member: Membership,
    kind: Variation,
    at: datetime,
    demographics: Demographics,
    *,
    nhs_number: str | None = None,
) -> OrgRecord:
    slot = 1 if kind is Variation.PLACEHOLDER_BABY else 2
    local = local_patient_id(
        member.org.code, member.org.id_prefix, person=person.index, record=slot
    )
    version = DemographicVersion(at, demographics)
    return OrgRecord(
        Membership(member.org, at),
        local,
        nhs_number,
        "VERIFIED" if nhs_number else "ABSENT",
        (version,),
        frozenset({kind}),
        placeholder=kind,
    )


def placeholder_records(
    person: Person, member: Membership, rng: random.Random, *, twin_number: str | None = None
) -> list[OrgRecord]:
    """The placeholder records one hospital holds for ``person`` (usually none); a Baby record
    carries ``twin_number`` when given (the other twin's number keyed by mistake)."""
    records = []
    born_here = member.since.date() == person.birth_date
    if born_here and rng.random() < BABY_RECORD_RATE:
        baby = Demographics(
            ("Baby",),
            person.family_name_at(member.since),
            person.birth_date,
            person.sex,
            person.address_at(member.since),
        )
        record = _placeholder(
            person,
            member,
            Variation.PLACEHOLDER_BABY,
            member.since,
            baby,
            nhs_number=twin_number or person.nhs_number,
        )
        if twin_number:
            record = replace(record, variations=record.variations | {Variation.TWIN_NUMBER})
        records.append(record)
    if rng.random() < UNKNOWN_RECORD_RATE:
        at = random_moment(rng, member.since, person.last_alive)
        estimated = date(person.birth_date.year // 10 * 10, 1, 1) if rng.random() < 0.5 else None
        unknown = Demographics(
            ("Unknown",),
            "Unknown",
            estimated,
            person.sex if rng.random() < 0.7 else "UNKNOWN",
            None,
        )
        records.append(_placeholder(person, member, Variation.PLACEHOLDER_UNKNOWN, at, unknown))
    return records
