"""The region's organisations: who may publish to the shared care record. Pure.

One configuration file (``organisations.toml`` beside this module, or a deployment's own) lists
every organisation: ODS code, name, kind, the systems it runs, its status in the sharing
lifecycle, when it signed the data sharing agreement, a contact mailbox and the areas it serves.
The registry (``mcr.core.org_registry``) is seeded from it, and the simulator's organisations
are its live ones, so both always agree on who is in the region.

Lifecycle (the only moves :func:`next_status` allows)::

    onboarding --resume--> live --suspend--> suspended --resume--> live

Going live needs a signed agreement. Only a live organisation's events enter the record.
Errors name the entry and the field, never a value (:class:`OrganisationError`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from schemas.errors import SchemaError

__all__ = [
    "ODS_CODE",
    "LifecycleError",
    "OrgStatus",
    "Organisation",
    "OrganisationError",
    "OrganisationKind",
    "check_ods_code",
    "load_organisations",
    "next_status",
    "parse_organisations",
    "shipped_organisations_text",
]

ODS_CODE = re.compile(r"[A-Z0-9]{3,8}")
_CONTACT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_FILE = "organisations.toml"
_E = TypeVar("_E", bound=StrEnum)


class OrganisationError(SchemaError):
    """An organisation entry, or a value given for one, breaks a rule; ``field`` names it."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class LifecycleError(OrganisationError):
    """A status change the lifecycle does not allow (for example suspending an onboarding one)."""


class OrganisationKind(StrEnum):
    """What kind of care an organisation delivers."""

    GP_PRACTICE = "gp_practice"
    ACUTE = "acute"
    COMMUNITY = "community"
    MENTAL_HEALTH = "mental_health"
    AMBULANCE = "ambulance"
    COUNCIL_SOCIAL_CARE = "council_social_care"


class OrgStatus(StrEnum):
    """Where an organisation is in the sharing lifecycle; only ``live`` publishes."""

    ONBOARDING = "onboarding"
    LIVE = "live"
    SUSPENDED = "suspended"


@dataclass(frozen=True)
class Organisation:
    """One organisation of the region, as the configuration file (or the registry) holds it."""

    ods_code: str
    name: str
    kind: OrganisationKind
    systems: tuple[str, ...]
    status: OrgStatus
    agreement_signed: date | None
    contact: str
    areas: tuple[str, ...] = ()
    live_since: date | None = None

    def __post_init__(self) -> None:
        check_ods_code(self.ods_code)
        if not self.name.strip() or len(self.name) > 200:
            raise OrganisationError("name: must be 1-200 characters", field="name")
        if not _CONTACT.fullmatch(self.contact):
            raise OrganisationError("contact: expected a mailbox (name@domain)", field="contact")
        if self.status is OrgStatus.LIVE and self.agreement_signed is None:
            raise OrganisationError(
                "agreement_signed: a live organisation must have signed the agreement",
                field="agreement_signed",
            )


def check_ods_code(code: str) -> str:
    """``code`` when it looks like an ODS code (3-8 upper-case letters or digits)."""
    if not ODS_CODE.fullmatch(code):
        raise OrganisationError(
            "ods_code: expected 3-8 upper-case letters or digits", field="ods_code"
        )
    return code


def next_status(current: OrgStatus, action: str) -> OrgStatus:
    """The status after ``action`` (``suspend`` or ``resume``); LifecycleError otherwise."""
    moves = {
        ("suspend", OrgStatus.LIVE): OrgStatus.SUSPENDED,
        ("resume", OrgStatus.ONBOARDING): OrgStatus.LIVE,
        ("resume", OrgStatus.SUSPENDED): OrgStatus.LIVE,
    }
    found = moves.get((action, current))
    if found is None:
        raise LifecycleError(f"status: cannot {action} an organisation that is {current}",
                             field="status")  # fmt: skip
    return found


def _text(entry: dict[str, Any], name: str, where: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str):
        raise OrganisationError(f"{where}.{name}: expected a string", field=f"{where}.{name}")
    return value


def _texts(entry: dict[str, Any], name: str, where: str) -> tuple[str, ...]:
    value = entry.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise OrganisationError(f"{where}.{name}: expected a list of strings",
                                field=f"{where}.{name}")  # fmt: skip
    return tuple(value)


def _date(entry: dict[str, Any], name: str, where: str) -> date | None:
    value = entry.get(name)
    if value is None or (isinstance(value, date) and not hasattr(value, "hour")):
        return value
    raise OrganisationError(f"{where}.{name}: expected a date (YYYY-MM-DD)",
                            field=f"{where}.{name}")  # fmt: skip


def _choice(kind: type[_E], entry: dict[str, Any], name: str, where: str) -> _E:
    value = _text(entry, name, where)
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise OrganisationError(f"{where}.{name}: expected one of {allowed}",
                                field=f"{where}.{name}") from None  # fmt: skip


def _entry(entry: Any, index: int) -> Organisation:
    where = f"organisation[{index}]"
    if not isinstance(entry, dict):
        raise OrganisationError(f"{where}: expected a table", field=where)
    try:
        return Organisation(
            ods_code=_text(entry, "ods_code", where),
            name=_text(entry, "name", where),
            kind=_choice(OrganisationKind, entry, "kind", where),
            systems=_texts(entry, "systems", where),
            status=_choice(OrgStatus, entry, "status", where),
            agreement_signed=_date(entry, "agreement_signed", where),
            contact=_text(entry, "contact", where),
            areas=_texts(entry, "areas", where),
            live_since=_date(entry, "live_since", where),
        )
    except OrganisationError as exc:
        if exc.field.startswith(where):
            raise
        raise OrganisationError(f"{where}.{exc}", field=f"{where}.{exc.field}") from None


def parse_organisations(text: str) -> tuple[Organisation, ...]:
    """Every organisation of a configuration file's ``text``, in file order; raises
    OrganisationError naming the entry and field (duplicated codes included)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise OrganisationError("file: not valid TOML", field="file") from exc
    entries = document.get("organisation")
    if not isinstance(entries, list) or not entries:
        raise OrganisationError("organisation: expected at least one [[organisation]]",
                                field="organisation")  # fmt: skip
    organisations = tuple(_entry(entry, i) for i, entry in enumerate(entries))
    seen: set[str] = set()
    for index, org in enumerate(organisations):
        if org.ods_code in seen:
            raise OrganisationError(f"organisation[{index}].ods_code: listed twice",
                                    field=f"organisation[{index}].ods_code")  # fmt: skip
        seen.add(org.ods_code)
    return organisations


def shipped_organisations_text() -> str:
    """The text of the region's file shipped with the package."""
    return resources.files("schemas").joinpath(_FILE).read_text(encoding="utf-8")


def load_organisations(path: Path | None = None) -> tuple[Organisation, ...]:
    """The organisations of ``path`` (default: the shipped region file)."""
    if path is None:
        return parse_organisations(shipped_organisations_text())
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise OrganisationError("file: cannot be read", field="file") from exc
    return parse_organisations(text)
