"""Role -> what may be seen: the access policy, read from a JSON file at start. Pure but for
:func:`load_policy`, which reads the file.

The file (``consumers/api/access_policy.json``, or ``MCR_API_ACCESS_POLICY``) maps the
**job-role** part of a national RBAC role code (``S8000:G8000:R8000`` -> ``R8000``) to the
categories that role may see::

    {"about": "...", "roles": {"R8000": {"name": "...", "categories": ["demographics", ...]}}}

Deny by default: a role code that is not listed, or that has no ``Rnnnn`` job-role part, sees
nothing. Errors name the entry and the rule, never the value found there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from consumers.api.authz.errors import PolicyError

__all__ = [
    "RECORD_CATEGORIES",
    "AccessPolicy",
    "Category",
    "job_role",
    "load_policy",
    "parse_policy",
]

_JOB_ROLE = re.compile(r"R[0-9]{4}")
_TOP_KEYS = frozenset({"about", "roles"})
_ROLE_KEYS = frozenset({"name", "categories"})


class Category(StrEnum):
    """What a role may see: the nine parts of a record, the audit (information governance),
    or the planners' report (de-identified, suppressed counts: no record)."""

    DEMOGRAPHICS = "demographics"
    RESULTS = "results"
    MEDICATIONS = "medications"
    ENCOUNTERS = "encounters"
    PROBLEMS = "problems"
    ALLERGIES = "allergies"
    IMMUNISATIONS = "immunisations"
    PROCEDURES = "procedures"
    DOCUMENTS = "documents"
    AUDIT = "audit"
    PLANNING = "planning"


#: The categories that are parts of a person's record (``audit`` and ``planning`` are not).
RECORD_CATEGORIES = frozenset(
    {
        Category.DEMOGRAPHICS,
        Category.RESULTS,
        Category.MEDICATIONS,
        Category.ENCOUNTERS,
        Category.PROBLEMS,
        Category.ALLERGIES,
        Category.IMMUNISATIONS,
        Category.PROCEDURES,
        Category.DOCUMENTS,
    }
)


def job_role(role_code: str) -> str:
    """The ``Rnnnn`` job-role part of a national RBAC role code (``S8000:G8000:R8000`` or a
    bare ``R8000``); "" when there is none."""
    last = role_code.strip().rsplit(":", 1)[-1]
    return last if _JOB_ROLE.fullmatch(last) else ""


@dataclass(frozen=True)
class AccessPolicy:
    """The categories each job role may see; every other role sees nothing."""

    roles: Mapping[str, frozenset[Category]]

    def categories_for(self, role_code: str) -> frozenset[Category]:
        """What the role of ``role_code`` may see (empty: nothing, the default)."""
        return self.roles.get(job_role(role_code), frozenset())

    def record_categories_for(self, role_code: str) -> frozenset[Category]:
        """The parts of a record the role may see (its categories without ``audit``)."""
        return self.categories_for(role_code) & RECORD_CATEGORIES

    def may_audit(self, role_code: str) -> bool:
        """True when the role may read the audit and the access report."""
        return Category.AUDIT in self.categories_for(role_code)

    def may_plan(self, role_code: str) -> bool:
        """True when the role may read the planners' report."""
        return Category.PLANNING in self.categories_for(role_code)


def _object(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PolicyError(f"access policy: {where}: expected an object")
    return value


def _unknown_keys(found: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    extra = sorted(set(found) - allowed)
    if extra:
        raise PolicyError(f"access policy: {where}: unknown key (expected {sorted(allowed)})")


def _categories(value: object, where: str) -> frozenset[Category]:
    if not isinstance(value, list):
        raise PolicyError(f"access policy: {where}: expected an array of categories")
    known = [c.value for c in Category]
    for index, name in enumerate(value):
        if name not in known:
            raise PolicyError(f"access policy: {where}[{index}]: not a category "
                              f"(expected one of {known})")  # fmt: skip
    if len(set(value)) != len(value):
        raise PolicyError(f"access policy: {where}: a category is repeated")
    return frozenset(Category(name) for name in value)


def _role(code: str, value: object) -> frozenset[Category]:
    where = f"roles.{code}" if _JOB_ROLE.fullmatch(code) else "roles"
    if where == "roles":
        raise PolicyError("access policy: roles: a key is not a job-role code (expected Rnnnn)")
    entry = _object(value, where)
    _unknown_keys(entry, _ROLE_KEYS, where)
    if not isinstance(entry.get("name"), str) or not entry["name"].strip():
        raise PolicyError(f"access policy: {where}.name: expected a non-empty string")
    return _categories(entry.get("categories"), f"{where}.categories")


def parse_policy(document: object) -> AccessPolicy:
    """The policy described by the parsed JSON ``document``.

    Raises PolicyError naming the entry (``roles.R8000.categories[1]``) and the rule.
    """
    top = _object(document, "(top level)")
    _unknown_keys(top, _TOP_KEYS, "(top level)")
    roles = _object(top.get("roles"), "roles")
    return AccessPolicy(MappingProxyType({code: _role(code, v) for code, v in roles.items()}))


def load_policy(path: str = "") -> AccessPolicy:
    """The policy in the file ``path`` (``MCR_API_ACCESS_POLICY``; "" means the file shipped
    in this package). Call once at start.

    Raises PolicyError when the file cannot be read, is not JSON or breaks a rule.
    """
    try:
        if path:
            text = Path(path).read_text(encoding="utf-8")
        else:
            text = resources.files("consumers.api").joinpath("access_policy.json").read_text()
    except OSError as exc:
        raise PolicyError("MCR_API_ACCESS_POLICY: the file cannot be read") from exc
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise PolicyError("MCR_API_ACCESS_POLICY: the file is not JSON") from exc
    return parse_policy(document)
