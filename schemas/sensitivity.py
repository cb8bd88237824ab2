"""Which sensitive categories an item belongs to, by its labels and by its codes. Pure.

A source labels an item sensitive (``header.confidentiality``: ``V`` or a category such as
``hiv``); a source that cannot label (an HL7 v2 feed) must not leak it, so an item is also
sensitive when any of its codes is on the lists of ``sensitive_codes.toml`` (beside this
module, versioned with the code). :func:`labels_of` is the one answer every stage asks: the
item's own labels plus the categories its codes fall in, so an item with a listed code and
no label is treated exactly like a labelled one (the consent stage keeps it out of the shared
record and the planning feed; consent at read hides it in the viewer and the FHIR API).

Which fields hold codes is one table, :data:`CODE_FIELDS` (record type -> field names whose
value is a ``uk.mcr.Code`` or a list of them). A new record type adds one entry there; a type
without an entry is judged by its labels only. The same field names are used by the event
payload and by the record's index document (under its record type's key:
``projections/record/documents.py`` keeps them), so the read side can re-check documents
indexed before a list grew.

Hierarchy: SNOMED CT, LOINC, dm+d and Read codes match exactly (descendants are not inferred:
no terminology server is consulted in the pipeline, so the list names each code it means, for
instance a terminology server's expansion of ``<< code``); ICD-10 and OPCS-4 codes match by
prefix, which is their own hierarchy (``B20`` covers ``B20.0`` and ``B200``).

Errors (:class:`SensitiveCodesError`) name the entry and the rule, never a code.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from schemas.errors import SchemaError

__all__ = [
    "CATEGORIES",
    "CODE_FIELDS",
    "SENSITIVE_LABELS",
    "SensitiveCodes",
    "SensitiveCodesError",
    "code_categories",
    "is_sensitive",
    "labels_of",
    "load_sensitive_codes",
    "parse_sensitive_codes",
    "sensitive_codes",
]

CATEGORIES = frozenset(
    {
        "sexual-health",
        "sexual-violence",
        "hiv",
        "substance-misuse",
        "genetic",
        "termination-of-pregnancy",
        "gender-identity",
        "fertility-treatment",
    }
)
"""Sensitive categories: what a source may label and what a code list may name."""

SENSITIVE_LABELS = frozenset({"V", *CATEGORIES})
"""Labels that keep an item out of the shared record (the categories plus v3 ``V``)."""

CODE_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "result": ("code", "panel"),
        "medication": ("medication",),
        "encounter": ("reason",),
        "condition": ("code",),
        "allergy": ("code", "reactions"),
        "immunisation": ("vaccine",),
        "procedure": ("code", "reasons"),
        "document": ("type",),
    }
)
"""Record type -> the fields holding a code (``{"system", "code"}``) or a list of codes."""

# Classifications whose hierarchy is the code's prefix (ICD-10 B20 > B20.0; OPCS-4 Q14 > Q14.1).
_PREFIX_SYSTEMS = frozenset({"ICD10", "OPCS4"})
_SYSTEM_NAMES = frozenset({"SNOMED", "LOINC", "DMD", "ICD10", "READ", "OPCS4"})


class SensitiveCodesError(SchemaError):
    """The sensitive code lists are malformed (names the entry and the rule)."""


@dataclass(frozen=True)
class SensitiveCodes:
    """The code lists: ``(system name, normalised code) -> categories``, and their version."""

    version: int
    exact: Mapping[tuple[str, str], frozenset[str]]
    prefixes: Mapping[tuple[str, str], frozenset[str]]

    def categories(self, system: str, code: str) -> frozenset[str]:
        """The categories of one code (empty when it is on no list)."""
        key = _normal(system, code)
        found = self.exact.get((system, key), frozenset())
        if system in _PREFIX_SYSTEMS:
            for end in range(1, len(key) + 1):
                found |= self.prefixes.get((system, key[:end]), frozenset())
        return found


def _normal(system: str, code: str) -> str:
    """ICD-10 is written with and without its dot (B20.0, B200) and in either case."""
    code = code.strip()
    return code.replace(".", "").upper() if system in _PREFIX_SYSTEMS else code


def _codes(value: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        yield value
    elif isinstance(value, list | tuple):
        yield from (v for v in value if isinstance(v, Mapping))


def code_categories(
    record_type: str, content: Mapping[str, Any], codes: SensitiveCodes | None = None
) -> frozenset[str]:
    """The sensitive categories the codes of ``content`` (an event payload, or the
    ``record_type`` part of an index document) fall in; empty for a type without coded
    fields."""
    lists = codes or sensitive_codes()
    found: frozenset[str] = frozenset()
    for name in CODE_FIELDS.get(record_type, ()):
        for coded in _codes(content.get(name)):
            system, code = coded.get("system"), coded.get("code")
            if isinstance(system, str) and isinstance(code, str):
                found |= lists.categories(system, code)
    return found


def labels_of(
    record_type: str,
    content: Mapping[str, Any],
    declared: Iterable[str],
    codes: SensitiveCodes | None = None,
) -> tuple[str, ...]:
    """The item's ``declared`` labels plus the categories of its codes, sorted, once each."""
    return tuple(sorted({*declared, *code_categories(record_type, content, codes)}))


def is_sensitive(labels: Iterable[str]) -> bool:
    """True when any of ``labels`` keeps an item out of the shared record."""
    return not SENSITIVE_LABELS.isdisjoint(labels)


def parse_sensitive_codes(data: Mapping[str, Any]) -> SensitiveCodes:
    """The lists of a parsed ``sensitive_codes.toml`` document.

    Raises SensitiveCodesError for a missing version, an unknown system URI or name, a
    category that is not one of :data:`CATEGORIES`, or a code that is not a string."""
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SensitiveCodesError("sensitive codes: version: expected a positive integer")
    systems = _systems(data.get("systems"))
    exact: dict[tuple[str, str], frozenset[str]] = {}
    prefixes: dict[tuple[str, str], frozenset[str]] = {}
    categories = data.get("categories")
    if not isinstance(categories, Mapping) or not categories:
        raise SensitiveCodesError("sensitive codes: categories: expected a table of categories")
    for category, lists in categories.items():
        where = f"categories.{category}"
        if category not in CATEGORIES:
            raise SensitiveCodesError(f"sensitive codes: {where}: not a sensitive category")
        if not isinstance(lists, Mapping):
            raise SensitiveCodesError(f"sensitive codes: {where}: expected a table of systems")
        for uri, codes in lists.items():
            if uri not in systems:
                raise SensitiveCodesError(f"sensitive codes: {where}: a system URI is unknown")
            system = systems[uri]
            target = prefixes if system in _PREFIX_SYSTEMS else exact
            for code in _code_list(codes, f"{where}.{system}"):
                key = (system, _normal(system, code))
                target[key] = target.get(key, frozenset()) | {category}
    return SensitiveCodes(version, MappingProxyType(exact), MappingProxyType(prefixes))


def _systems(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping) or not value:
        raise SensitiveCodesError("sensitive codes: systems: expected a table of URI = name")
    for uri, name in value.items():
        if name not in _SYSTEM_NAMES:
            raise SensitiveCodesError(
                f"sensitive codes: systems: {uri}: expected one of {sorted(_SYSTEM_NAMES)}"
            )
    return dict(value)


def _code_list(codes: object, where: str) -> list[str]:
    if not isinstance(codes, list) or not all(isinstance(c, str) and c.strip() for c in codes):
        raise SensitiveCodesError(f"sensitive codes: {where}: expected a list of code strings")
    return codes


def load_sensitive_codes(text: str | None = None) -> SensitiveCodes:
    """The lists in ``text`` (TOML), default the shipped ``sensitive_codes.toml``.

    Raises SensitiveCodesError when the text is not TOML or breaks a rule."""
    if text is None:
        text = resources.files("schemas").joinpath("sensitive_codes.toml").read_text("utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SensitiveCodesError("sensitive codes: not a TOML document") from exc
    return parse_sensitive_codes(data)


@cache
def sensitive_codes() -> SensitiveCodes:
    """The shipped lists, read once per process (every stage reads the same file)."""
    return load_sensitive_codes()
