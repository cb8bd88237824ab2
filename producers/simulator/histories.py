"""A person's whole history as source events, in publishing order.

Order: first every record's initial demographics (so each organisation's patient event
precedes that organisation's clinical events for the same key), then everything else by the
moment the source system recorded it. 0.3% of clinical items are later withdrawn as entered in
error (a final version with operation ENTERED_IN_ERROR).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from producers.simulator.allergies import allergy_items
from producers.simulator.consent import consent_items
from producers.simulator.context import PersonContext
from producers.simulator.encounters import encounter_items
from producers.simulator.envelope import Item, to_event
from producers.simulator.letters import document_items
from producers.simulator.prescriptions import medication_items
from producers.simulator.problems import condition_items
from producers.simulator.procedures import procedure_items
from producers.simulator.records import Demographics, OrgRecord
from producers.simulator.results import result_items
from producers.simulator.timeline import later
from producers.simulator.vaccinations import immunisation_items
from producers.simulator.vitals import vital_sign_items
from schemas.events import RecordType, SourceEvent

ENTERED_IN_ERROR_RATE = 0.003
_TYPE_ORDER = {record_type: rank for rank, record_type in enumerate(RecordType)}


def patient_body(demographics: Demographics) -> dict[str, Any]:
    """The patient schema's fields (after the header) for what an organisation holds."""
    address = demographics.address
    return {
        "given_names": list(demographics.given_names),
        "family_name": demographics.family_name,
        "birth_date": demographics.birth_date,
        "sex": demographics.sex,
        "postcode": address.postcode if address else None,
        "address_lines": list(address.lines) if address else [],
        "phone": demographics.phone,
        "deceased_at": demographics.deceased_at,
        "registered_gp_practice": demographics.registered_gp_practice,
        "merged_local_patient_ids": [],
        "previous_local_patient_id": None,
        "preferred_language": demographics.language,
    }


def patient_items(record: OrgRecord) -> list[Item]:
    """One patient item version per demographic version of ``record``."""
    return [
        Item(
            RecordType.PATIENT,
            record.local_id,
            number,
            version.at,
            version.at,
            patient_body(version.demographics),
        )
        for number, version in enumerate(record.versions, 1)
    ]


def _withdrawals(ctx: PersonContext, record: OrgRecord, items: list[Item]) -> list[Item]:
    """Entered-in-error versions for a few items, each after the item's latest version."""
    rng = ctx.rng(record, "entered-in-error")
    latest: dict[str, Item] = {}
    for item in items:
        latest[item.source_record_id] = item
    return [
        item.entered_in_error(later(rng, item.recorded_at, low_s=600, high_s=7 * 86400))
        for item in latest.values()
        if rng.random() < ENTERED_IN_ERROR_RATE
    ]


def clinical_items(ctx: PersonContext, record: OrgRecord) -> list[Item]:
    """Encounters, results (vital signs too), medicines, problems, allergies, immunisations,
    procedures, documents and consent of one record, with withdrawals."""
    encounters = encounter_items(ctx, record)
    clinical = [
        *encounters,
        *result_items(ctx, record, encounters),
        *medication_items(ctx, record, encounters),
        *condition_items(ctx, record),
        *allergy_items(ctx, record),
        *immunisation_items(ctx, record),
        *procedure_items(ctx, record, encounters),
        *vital_sign_items(ctx, record, encounters),
        *document_items(ctx, record, encounters),
    ]
    clinical += _withdrawals(ctx, record, clinical)
    return clinical + consent_items(ctx, record, encounters)


def _ordered(
    ctx: PersonContext, records: tuple[OrgRecord, ...]
) -> Iterator[tuple[OrgRecord, Item]]:
    first: list[tuple[OrgRecord, Item]] = []
    rest: list[tuple[int, OrgRecord, Item]] = []
    for position, record in enumerate(records):
        initial, *updates = patient_items(record)
        first.append((record, initial))
        rest += [(position, record, item) for item in (*updates, *clinical_items(ctx, record))]
    rest.sort(
        key=lambda entry: (
            entry[2].recorded_at,
            entry[0],
            _TYPE_ORDER[entry[2].record_type],
            entry[2].source_record_id,
            entry[2].version,
        )
    )
    yield from first
    yield from ((record, item) for _, record, item in rest)


def person_events(ctx: PersonContext, records: tuple[OrgRecord, ...]) -> tuple[SourceEvent, ...]:
    """Every source event about the person, in publishing order."""
    return tuple(to_event(ctx.seed, record, item) for record, item in _ordered(ctx, records))
