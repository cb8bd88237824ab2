"""Does a payload fit an Avro schema? Every mismatch as a field path and a rule, never a value.

fastavro stops at the first mismatch and quotes the offending value in its message; that value
may be a name or an NHS number. This walker collects *all* mismatches and words each one from the
schema alone (types, enum symbols), so its messages are safe to log, return and put in headers::

    conformance_problems(schema, payload)
    -> [FieldProblem("header.nhs_number_status", "unknown nhs number status (expected one of
        VERIFIED, UNVERIFIED, ...)"), FieldProblem("code.code", "required field missing")]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

_INT_RANGE = (-(2**31), 2**31 - 1)
_LONG_RANGE = (-(2**63), 2**63 - 1)
_TIMESTAMPS = frozenset({"timestamp-millis", "timestamp-micros"})
_CAMEL_WORD = re.compile(r"[A-Z][a-z0-9]*")


@dataclass(frozen=True, order=True)
class FieldProblem:
    """One thing wrong with one field: ``path`` names the field, ``rule`` says what is expected.

    Neither ever holds the field's value.
    """

    path: str
    rule: str

    def __str__(self) -> str:
        return f"{self.path}: {self.rule}" if self.path else self.rule


def conformance_problems(schema: Any, payload: Any, *, root: str = "") -> list[FieldProblem]:
    """Every way ``payload`` fails to fit fastavro's parsed ``schema``, paths under ``root``."""
    walker = _Walker(schema.get("__named_schemas", {}) if isinstance(schema, dict) else {})
    found: list[FieldProblem] = []
    walker.check(schema, payload, root, found)
    return found


def join_path(parent: str, child: str) -> str:
    """``header`` + ``org`` -> ``header.org``; an empty parent gives just the child."""
    return f"{parent}.{child}" if parent else child


def enum_rule(schema: Mapping[str, Any]) -> str:
    """``unknown code system (expected one of SNOMED, LOINC, ...)`` for an enum schema."""
    words = " ".join(w.lower() for w in _CAMEL_WORD.findall(schema["name"].rsplit(".", 1)[-1]))
    return f"unknown {words or 'value'} (expected one of {', '.join(schema['symbols'])})"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Walker:
    """Recursive check over a parsed schema; named types are looked up by full name."""

    def __init__(self, named: Mapping[str, Any]) -> None:
        self._named = named
        self._by_type: dict[str, Callable[[Any, Any, str, list[FieldProblem]], None]] = {
            "record": self._record,
            "error": self._record,
            "enum": self._enum,
            "array": self._array,
            "map": self._map,
            "fixed": self._fixed,
        }

    def check(self, schema: Any, value: Any, path: str, found: list[FieldProblem]) -> None:
        if isinstance(schema, list):
            self._union(schema, value, path, found)
        elif isinstance(schema, str):
            if schema in self._named:
                self.check(self._named[schema], value, path, found)
            else:
                self._primitive(schema, value, path, found)
        elif schema.get("logicalType") in _TIMESTAMPS | {"date"}:
            self._logical(schema["logicalType"], value, path, found)
        elif schema["type"] in self._by_type:
            self._by_type[schema["type"]](schema, value, path, found)
        else:
            self.check(schema["type"], value, path, found)

    def _record(self, schema: Any, value: Any, path: str, found: list[FieldProblem]) -> None:
        if not isinstance(value, Mapping):
            found.append(FieldProblem(path, "expected a record (mapping of fields)"))
            return
        known = set()
        for field in schema["fields"]:
            name = field["name"]
            known.add(name)
            if name in value:
                self.check(field["type"], value[name], join_path(path, name), found)
            elif "default" not in field:
                found.append(FieldProblem(join_path(path, name), "required field missing"))
        for extra in sorted(k for k in value if k not in known):
            found.append(FieldProblem(join_path(path, str(extra)), "unknown field (not in schema)"))

    def _enum(self, schema: Any, value: Any, path: str, found: list[FieldProblem]) -> None:
        if value not in schema["symbols"]:
            found.append(FieldProblem(path, enum_rule(schema)))

    def _array(self, schema: Any, value: Any, path: str, found: list[FieldProblem]) -> None:
        if not isinstance(value, list | tuple):
            found.append(FieldProblem(path, "expected a list"))
            return
        for index, item in enumerate(value):
            self.check(schema["items"], item, f"{path}[{index}]", found)

    def _map(self, schema: Any, value: Any, path: str, found: list[FieldProblem]) -> None:
        if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
            found.append(FieldProblem(path, "expected a mapping with string keys"))
            return
        for key, item in value.items():
            self.check(schema["values"], item, f"{path}[{key!r}]", found)

    def _fixed(self, schema: Any, value: Any, path: str, found: list[FieldProblem]) -> None:
        if not isinstance(value, bytes) or len(value) != schema["size"]:
            found.append(FieldProblem(path, f"expected exactly {schema['size']} bytes"))

    def _union(self, branches: list[Any], value: Any, path: str, found: list[FieldProblem]) -> None:
        if value is None and "null" in branches:
            return
        candidates = [b for b in branches if b != "null"]
        if len(candidates) == 1:
            self.check(candidates[0], value, path, found)
            return
        for branch in candidates:
            trial: list[FieldProblem] = []
            self.check(branch, value, path, trial)
            if not trial:
                return
        found.append(FieldProblem(path, "does not match any type the schema allows here"))

    def _logical(self, logical: str, value: Any, path: str, found: list[FieldProblem]) -> None:
        if _is_int(value):
            return
        if logical == "date":
            if isinstance(value, datetime) or not isinstance(value, date):
                found.append(FieldProblem(path, "expected a date (not a datetime)"))
        elif not isinstance(value, datetime):
            found.append(FieldProblem(path, "expected a timezone-aware datetime"))
        elif value.tzinfo is None or value.utcoffset() is None:
            found.append(FieldProblem(path, "timestamp must be timezone-aware"))

    def _primitive(self, name: str, value: Any, path: str, found: list[FieldProblem]) -> None:
        rule = _PRIMITIVE_RULES.get(name)
        if rule is not None and not rule[0](value):
            found.append(FieldProblem(path, rule[1]))


def _in_range(bounds: tuple[int, int]) -> Callable[[Any], bool]:
    return lambda v: _is_int(v) and bounds[0] <= v <= bounds[1]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_PRIMITIVE_RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "null": (lambda v: v is None, "expected no value (null)"),
    "boolean": (lambda v: isinstance(v, bool), "expected true or false"),
    "int": (_in_range(_INT_RANGE), "expected a 32-bit integer"),
    "long": (_in_range(_LONG_RANGE), "expected a 64-bit integer"),
    "float": (_is_number, "expected a number"),
    "double": (_is_number, "expected a number"),
    "string": (lambda v: isinstance(v, str), "expected text"),
    "bytes": (lambda v: isinstance(v, bytes | bytearray), "expected bytes"),
}
