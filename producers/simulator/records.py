"""What an organisation holds about a person: demographics, their versions, and the record.

Also names the ways a record can depart from the truth (:class:`Variation`), which tests and
statistics use; they are never published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from producers.simulator.membership import Membership
from producers.simulator.names import Sex
from producers.simulator.places import Address


class Variation(StrEnum):
    """A way a record departs from the truth (kept for tests and statistics, never published)."""

    TYPO = "typo"
    NICKNAME = "nickname"
    DROPPED_MIDDLE_NAME = "dropped_middle_name"
    DAY_MONTH_SWAP = "day_month_swap"
    SEX_UNKNOWN = "sex_unknown"
    ABBREVIATED_ADDRESS = "abbreviated_address"
    NHS_NUMBER_MISSING = "nhs_number_missing"
    NHS_NUMBER_UNVERIFIED = "nhs_number_unverified"
    OLD_ADDRESS = "old_address"
    MAIDEN_NAME = "maiden_name"
    PLACEHOLDER_BABY = "placeholder_baby"
    PLACEHOLDER_UNKNOWN = "placeholder_unknown"
    TWIN_NUMBER = "twin_number"


@dataclass(frozen=True)
class Demographics:
    """What one organisation holds about a person at one time (schema field meanings)."""

    given_names: tuple[str, ...]
    family_name: str | None
    birth_date: date | None
    sex: Sex
    address: Address | None
    phone: str | None = None
    language: str | None = None
    registered_gp_practice: str | None = None
    deceased_at: datetime | None = None


@dataclass(frozen=True)
class DemographicVersion:
    """Version ``n`` of a record (1-based position) as recorded at ``at``."""

    at: datetime
    demographics: Demographics


@dataclass(frozen=True)
class OrgRecord:
    """One organisation's record of a person under one local patient id."""

    membership: Membership
    local_id: str
    nhs_number: str | None
    nhs_status: str
    versions: tuple[DemographicVersion, ...]
    variations: frozenset[Variation]
    placeholder: Variation | None = None

    @property
    def current(self) -> Demographics:
        """What the organisation holds now (its latest version)."""
        return self.versions[-1].demographics
