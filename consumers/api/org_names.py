"""Organisation names from the registry wherever an answer shows an ODS code. Pure.

An answer names organisations by ODS code in ``org`` (who shared an item or a demographics
entry), ``source_org`` (whose demographics a search shows), ``registered_gp_practice`` and any
field ending ``_org`` (``performer_org``, ``asserter_org``: a record type added later that
follows the convention is named too). :func:`named` gives every object with an ``org`` its
``org_name`` and the answer an ``organisations`` table of every code shown, for codes inside
a record type's own fields. A code the registry does not know is named None: a name is a
courtesy, and a clinical answer never fails for want of one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["OrgNames", "codes_shown", "named"]

OrgNames = Mapping[str, str]
"""ODS code -> organisation name (from the registry; empty when it cannot be read)."""

_CODE_KEYS = frozenset({"org", "source_org", "registered_gp_practice"})


def _is_code_key(key: str) -> bool:
    return key in _CODE_KEYS or key.endswith("_org")


def codes_shown(value: Any) -> set[str]:
    """Every ODS code in ``value`` (a JSON answer), under the keys the module names."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if isinstance(inner, str) and inner and _is_code_key(str(key)):
                found.add(inner)
            else:
                found |= codes_shown(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            found |= codes_shown(inner)
    return found


def _with_names(value: Any, names: OrgNames) -> Any:
    if isinstance(value, Mapping):
        copied = {key: _with_names(inner, names) for key, inner in value.items()}
        for key in ("org", "source_org"):
            code = value.get(key)
            if isinstance(code, str) and code:
                copied[f"{key}_name"] = names.get(code)
        return copied
    if isinstance(value, list | tuple):
        return [_with_names(inner, names) for inner in value]
    return value


def named(body: Mapping[str, Any], names: OrgNames, *, table: bool = True) -> dict[str, Any]:
    """``body`` with ``org_name`` (``source_org_name``) beside each ``org`` (``source_org``)
    and, when ``table``, an ``organisations`` table naming every code shown (by code)."""
    answer: dict[str, Any] = _with_names(body, names)
    if table:
        answer["organisations"] = {code: names.get(code) for code in sorted(codes_shown(body))}
    return answer
