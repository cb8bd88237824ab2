"""What the matcher sees of a source record: who published it and the patient's demographics.

Built from a decoded source event (:func:`from_payload`) or a link-eval CSV row. Patient events
carry full demographics; other record types carry only the header (org, local id, NHS number).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from schemas import nhs_number
from schemas.events import RecordType, SourceKey, source_key

__all__ = ["Demographics", "NhsStatus", "from_json", "from_payload"]


class NhsStatus(StrEnum):
    """PDS NHS number status indicator (the Avro ``NhsNumberStatus`` symbols)."""

    VERIFIED = "VERIFIED"
    UNVERIFIED = "UNVERIFIED"
    TRACE_REQUIRED = "TRACE_REQUIRED"
    TRACE_FAILED = "TRACE_FAILED"
    NEEDS_RESOLUTION = "NEEDS_RESOLUTION"
    ABSENT = "ABSENT"


@dataclass(frozen=True, slots=True)
class Demographics:
    """One source record's identity: raw values as published (normalised later, for matching)."""

    org: str
    local_id: str
    nhs_number: str | None = None
    nhs_status: NhsStatus = NhsStatus.ABSENT
    given_name: str | None = None
    family_name: str | None = None
    birth_date: date | None = None
    sex: str | None = None
    postcode: str | None = None
    address: str | None = None

    @property
    def source_key(self) -> SourceKey:
        """``<org>:<local id>``, the source topics' key."""
        return source_key(self.org, self.local_id)

    @property
    def valid_nhs_number(self) -> str | None:
        """The normalised NHS number when present and Modulus 11 valid, else None."""
        if self.nhs_number and nhs_number.is_valid(self.nhs_number):
            return nhs_number.normalise(self.nhs_number)
        return None

    @property
    def verified_nhs_number(self) -> str | None:
        """The valid NHS number when PDS-verified, else None."""
        return self.valid_nhs_number if self.nhs_status is NhsStatus.VERIFIED else None

    @property
    def has_demographics(self) -> bool:
        """True when there is something besides the NHS number to score on."""
        return any((self.given_name, self.family_name, self.birth_date, self.postcode))

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO strings), for storing in the MPI."""
        data = asdict(self)
        data["nhs_status"] = self.nhs_status.value
        data["birth_date"] = self.birth_date.isoformat() if self.birth_date else None
        return data


def from_json(data: Mapping[str, Any]) -> Demographics:
    """The inverse of :meth:`Demographics.to_json`."""
    birth = data.get("birth_date")
    values = {**data, "nhs_status": NhsStatus(data.get("nhs_status") or "ABSENT")}
    values["birth_date"] = date.fromisoformat(birth) if isinstance(birth, str) else birth
    return Demographics(**values)


def from_payload(record_type: RecordType, payload: Mapping[str, Any]) -> Demographics:
    """Demographics of a decoded source event (newest schema shape); header only unless patient."""
    header = payload["header"]
    base = {
        "org": header["org"],
        "local_id": header["local_patient_id"],
        "nhs_number": header.get("nhs_number"),
        "nhs_status": NhsStatus(header.get("nhs_number_status") or "ABSENT"),
    }
    if record_type is not RecordType.PATIENT:
        return Demographics(**base)
    given = payload.get("given_names") or []
    sex = payload.get("sex")
    lines = payload.get("address_lines") or []
    return Demographics(
        **base,
        given_name=given[0] if given else None,
        family_name=payload.get("family_name"),
        birth_date=payload.get("birth_date"),
        sex=None if sex in (None, "UNKNOWN") else str(sex),
        postcode=payload.get("postcode"),
        address=", ".join(lines) or None,
    )
