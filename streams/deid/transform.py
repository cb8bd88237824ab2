"""One linked event -> its de-identified planning event (the Avro ``planning_event`` payload).
Pure.

What passes is listed field by field; everything else (names, NHS number, birth date, full
postcode, address, phone, local ids, source record ids, free text, exact times, values of
results, doses) is left out by not being named here. Events labelled very restricted (``V``)
or with a sensitive category (by label or by code: ``schemas.sensitivity``) stay out, as they
stay out of the shared record: the law keeps those records out of general use, and counts of
them would be small.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from schemas.events import RecordType
from schemas.sensitivity import SENSITIVE_LABELS, is_sensitive, labels_of
from streams.deid.classes import Classes, age_band, district, iso_week
from streams.deid.pseudonyms import Pseudonymiser

__all__ = ["PLANNED_TYPES", "SENSITIVE_LABELS", "deidentify"]

PLANNED_TYPES = frozenset(
    {RecordType.PATIENT, RecordType.ENCOUNTER, RecordType.RESULT, RecordType.MEDICATION}
)


def _laboratory(payload: Mapping[str, Any]) -> bool:
    """Only laboratory results are planned (tests by panel): vital signs, surveys and other
    observations have no planning classes yet. A result without a category is a v1 one: lab."""
    return bool(payload.get("category", "LABORATORY") == "LABORATORY")


def _when(record_type: RecordType, payload: Mapping[str, Any]) -> datetime | date:
    """When it happened, clinically where the event says (only its week is kept)."""
    moment: datetime | date | None = None
    if record_type is RecordType.ENCOUNTER:
        moment = payload.get("period_start")
    elif record_type is RecordType.MEDICATION:
        moment = payload.get("start_date")
    return moment or payload["header"]["occurred_at"]


def _details(record_type: RecordType, payload: Mapping[str, Any], classes: Classes,
             on: date) -> dict[str, Any]:  # fmt: skip
    if record_type is RecordType.PATIENT:
        return {"age_band": age_band(payload.get("birth_date"), on),
                "sex": str(payload.get("sex") or "UNKNOWN"),
                "district": district(payload.get("postcode"))}  # fmt: skip
    if record_type is RecordType.ENCOUNTER:
        return {"service": classes.service(payload.get("service")),
                "encounter_class": str(payload.get("encounter_class") or "OTHER")}  # fmt: skip
    if record_type is RecordType.RESULT:
        panel, code = payload.get("panel") or {}, payload.get("code") or {}
        return {"test": classes.test(panel.get("code"), code.get("code"))}
    medicine = payload.get("medication") or {}
    return {"medicine_class": classes.medicine_class(medicine.get("code")),
            "active": payload.get("status") == "ACTIVE"}  # fmt: skip


def deidentify(
    record_type: RecordType,
    payload: Mapping[str, Any],
    *,
    person_id: str,
    source_key: str,
    pseudonyms: Pseudonymiser,
    classes: Classes,
) -> dict[str, Any] | None:
    """The planning event of a linked event, or None when it has no place in planning (a
    consent event, an observation beyond the laboratory, or a sensitive one)."""
    header = payload["header"]
    if record_type not in PLANNED_TYPES or is_sensitive(
        labels_of(record_type.value, payload, header.get("confidentiality") or ())
    ):
        return None
    if record_type is RecordType.RESULT and not _laboratory(payload):
        return None
    moment = _when(record_type, payload)
    day = moment.date() if isinstance(moment, datetime) else moment
    org = header["org"]
    return {
        "pseudonym": pseudonyms.person(person_id),
        "item": pseudonyms.item(org, record_type.value, header["source_record_id"]),
        "source": pseudonyms.source(source_key),
        "key_id": pseudonyms.current.key_id,
        "version": int(header.get("record_version") or 1),
        "deleted": header.get("operation", "UPSERT") != "UPSERT",
        "event_type": record_type.value.upper(),
        "iso_week": iso_week(day),
        "org": org,
        "org_kind": classes.org_kind(org),
        **_details(record_type, payload, classes, day),
    }
