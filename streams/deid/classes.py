"""Categories the planning feed may carry: age bands, postcode districts, ISO weeks,
organisation kinds, and known services, tests and medicine classes (``classes.toml``). Pure.

Only listed categories pass; anything else becomes ``other``, so free text typed into a source
system (a service name, a local test) never reaches ``mcr.planning``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

__all__ = ["AGE_BANDS", "OTHER", "Classes", "age_band", "district", "iso_week", "load_classes"]

OTHER = "other"
AGE_BANDS: tuple[tuple[int, str], ...] = (
    (0, "0-4"), (5, "5-17"), (18, "18-29"), (30, "30-44"), (45, "45-64"), (65, "65-74"),
    (75, "75-84"), (85, "85+"),
)  # fmt: skip
# UK outward code: area (1-2 letters) + district (digit, then digit or letter); the inward
# code (digit + 2 letters) is what a full postcode adds and is never kept.
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?) ?[0-9][A-Z]{2}$")
_GP_PRACTICE = re.compile(r"^[A-Z][0-9]{5}$")
_LOCAL_AUTHORITY = re.compile(r"^00[A-Z]{2}$")


def age_band(birth: date | None, on: date) -> str | None:
    """The age band of someone born on ``birth`` at ``on`` (None when unknown or negative)."""
    if birth is None or birth > on:
        return None
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return [label for floor, label in AGE_BANDS if age >= floor][-1]


def district(postcode: str | None) -> str | None:
    """The postcode district (outward code) of a full UK postcode; None for anything else."""
    if not postcode:
        return None
    match = _POSTCODE.match(postcode.strip().upper())
    return match.group(1) if match else None


def iso_week(moment: datetime | date) -> str:
    """``YYYY-Www`` (ISO 8601 week), the finest time the planning feed carries."""
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Classes:
    """The known categories (see ``classes.toml``)."""

    services: frozenset[str]
    tests: dict[str, str]
    medicine_classes: dict[str, str]
    org_kinds: dict[str, str]

    def service(self, name: str | None) -> str:
        return name if name in self.services else OTHER

    def test(self, panel_code: str | None, code: str | None) -> str:
        for candidate in (panel_code, code):
            if candidate and candidate in self.tests:
                return self.tests[candidate]
        return OTHER

    def medicine_class(self, code: str | None) -> str:
        return self.medicine_classes.get(code or "", OTHER)

    def org_kind(self, ods_code: str) -> str:
        """Listed kinds first, then ODS code patterns: practices ``A12345``, councils ``00AB``."""
        if ods_code in self.org_kinds:
            return self.org_kinds[ods_code]
        if _GP_PRACTICE.match(ods_code):
            return "gp_practice"
        if _LOCAL_AUTHORITY.match(ods_code):
            return "social_care"
        return OTHER


def _classes(raw: dict[str, Any]) -> Classes:
    return Classes(
        frozenset(raw.get("services", ())),
        dict(raw.get("tests", {})),
        dict(raw.get("medicine_classes", {})),
        dict(raw.get("org_kinds", {})),
    )


def load_classes(text: str | None = None) -> Classes:
    """The categories in ``text`` (TOML), default the shipped ``classes.toml``."""
    if text is None:
        text = resources.files("streams.deid").joinpath("classes.toml").read_text("utf-8")
    return _classes(tomllib.loads(text))
