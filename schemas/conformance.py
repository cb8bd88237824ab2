"""Does a payload fit an Avro schema? Every mismatch as a field path and a rule, never a value.

fastavro stops at the first mismatch and quotes the offending value in its message; that value
may be a name or an NHS number. This checker collects *all* mismatches and words each one from
the schema alone (types, enum symbols), so its messages are safe to log, return and put in
headers::

    conformance_problems(schema, payload)
    -> [FieldProblem("header.nhs_number_status", "unknown nhs number status (expected one of
        VERIFIED, UNVERIFIED, ...)"), FieldProblem("code.code", "required field missing")]

It is on the publishing hot path, so each schema is compiled once into a tree of small check
functions with the field paths worked out in advance.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

_INT_RANGE = (-(2**31), 2**31 - 1)
_LONG_RANGE = (-(2**63), 2**63 - 1)
_CAMEL_WORD = re.compile(r"[A-Z][a-z0-9]*")
_CACHE_LIMIT = 256
_UNKNOWN_FIELD = "unknown field (not in schema)"


@dataclass(frozen=True, order=True)
class FieldProblem:
    """One thing wrong with one field: ``path`` names the field, ``rule`` says what is expected.

    Neither ever holds the field's value.
    """

    path: str
    rule: str

    def __str__(self) -> str:
        return f"{self.path}: {self.rule}" if self.path else self.rule


Problems = list[FieldProblem]
Check = Callable[[Any, Problems], None]
"""A compiled check: appends the problems of one value (paths fixed at compile time)."""


def conformance_problems(schema: Any, payload: Any, *, root: str = "") -> Problems:
    """Every way ``payload`` fails to fit fastavro's parsed ``schema``, paths under ``root``."""
    found: Problems = []
    _compiled(schema, root)(payload, found)
    return found


def join_path(parent: str, child: str) -> str:
    """``header`` + ``org`` -> ``header.org``; an empty parent gives just the child."""
    return f"{parent}.{child}" if parent else child


def enum_rule(schema: Mapping[str, Any]) -> str:
    """``unknown code system (expected one of SNOMED, LOINC, ...)`` for an enum schema."""
    words = " ".join(w.lower() for w in _CAMEL_WORD.findall(schema["name"].rsplit(".", 1)[-1]))
    return f"unknown {words or 'value'} (expected one of {', '.join(schema['symbols'])})"


_compiled_checks: dict[tuple[int, str], tuple[Any, Check]] = {}


def _compiled(schema: Any, root: str) -> Check:
    """The compiled check of ``schema`` under ``root``, built once (the schema is kept alive
    with its check, so its ``id`` cannot be reused while cached)."""
    key = (id(schema), root)
    cached = _compiled_checks.get(key)
    if cached is not None:
        return cached[1]
    named = schema.get("__named_schemas", {}) if isinstance(schema, dict) else {}
    check = _Compiler(named).compile(schema, root)
    if len(_compiled_checks) >= _CACHE_LIMIT:
        _compiled_checks.clear()
    _compiled_checks[key] = (schema, check)
    return check


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _in_range(bounds: tuple[int, int]) -> Callable[[Any], bool]:
    return lambda v: _is_int(v) and bounds[0] <= v <= bounds[1]


def _under(prefix: str, problems: Problems) -> list[FieldProblem]:
    """``problems`` found relative to an item, re-rooted under ``prefix``."""
    return [FieldProblem(join_path(prefix, p.path) if p.path else prefix, p.rule) for p in problems]


class _Compiler:
    """Turns a parsed schema into nested check functions; named types resolved by full name."""

    def __init__(self, named: Mapping[str, Any]) -> None:
        self._named = named
        self._by_type: dict[str, Callable[[Any, str], Check]] = {
            "record": self._record,
            "error": self._record,
            "enum": self._enum,
            "array": self._array,
            "map": self._map,
            "fixed": self._fixed,
        }

    def compile(self, schema: Any, path: str) -> Check:
        if isinstance(schema, list):
            return self._union(schema, path)
        if isinstance(schema, str):
            if schema in self._named:
                return self.compile(self._named[schema], path)
            return _primitive(schema, path)
        logical = _LOGICAL.get(schema.get("logicalType", ""))
        if logical is not None:
            return logical(path)
        if schema["type"] in self._by_type:
            return self._by_type[schema["type"]](schema, path)
        return self.compile(schema["type"], path)

    def _record(self, schema: Any, path: str) -> Check:
        fields = []
        for field in schema["fields"]:
            field_path = join_path(path, field["name"])
            check_field = self.compile(field["type"], field_path)
            fields.append((field["name"], field_path, "default" in field, check_field))
        known = frozenset(name for name, *_ in fields)

        def check(value: Any, found: Problems) -> None:
            if not isinstance(value, Mapping):
                found.append(FieldProblem(path, "expected a record (mapping of fields)"))
                return
            for name, field_path, has_default, check_field in fields:
                if name in value:
                    check_field(value[name], found)
                elif not has_default:
                    found.append(FieldProblem(field_path, "required field missing"))
            if len(value) > len(known) or not known.issuperset(value):
                extras = sorted(str(k) for k in value if k not in known)
                found.extend(FieldProblem(join_path(path, k), _UNKNOWN_FIELD) for k in extras)

        return check

    def _enum(self, schema: Any, path: str) -> Check:
        symbols = frozenset(schema["symbols"])
        problem = FieldProblem(path, enum_rule(schema))

        def check(value: Any, found: Problems) -> None:
            if not isinstance(value, str) or value not in symbols:
                found.append(problem)

        return check

    def _array(self, schema: Any, path: str) -> Check:
        check_item = self.compile(schema["items"], "")

        def check(value: Any, found: Problems) -> None:
            if not isinstance(value, list | tuple):
                found.append(FieldProblem(path, "expected a list"))
                return
            for index, item in enumerate(value):
                local: Problems = []
                check_item(item, local)
                found.extend(_under(f"{path}[{index}]", local))

        return check

    def _map(self, schema: Any, path: str) -> Check:
        check_value = self.compile(schema["values"], "")

        def check(value: Any, found: Problems) -> None:
            if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
                found.append(FieldProblem(path, "expected a mapping with string keys"))
                return
            for key, item in value.items():
                local: Problems = []
                check_value(item, local)
                found.extend(_under(f"{path}[{key!r}]", local))

        return check

    def _fixed(self, schema: Any, path: str) -> Check:
        size = schema["size"]
        problem = FieldProblem(path, f"expected exactly {size} bytes")

        def check(value: Any, found: Problems) -> None:
            if not isinstance(value, bytes) or len(value) != size:
                found.append(problem)

        return check

    def _union(self, branches: list[Any], path: str) -> Check:
        nullable = "null" in branches
        checks = [self.compile(b, path) for b in branches if b != "null"]
        if len(checks) == 1:
            only = checks[0]
            return lambda value, found: None if value is None and nullable else only(value, found)
        problem = FieldProblem(path, "does not match any type the schema allows here")

        def check(value: Any, found: Problems) -> None:
            if value is None and nullable:
                return
            for branch in checks:
                trial: Problems = []
                branch(value, trial)
                if not trial:
                    return
            found.append(problem)

        return check


def _timestamp(path: str) -> Check:
    def check(value: Any, found: Problems) -> None:
        if isinstance(value, datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                found.append(FieldProblem(path, "timestamp must be timezone-aware"))
        elif not _is_int(value):
            found.append(FieldProblem(path, "expected a timezone-aware datetime"))

    return check


def _date(path: str) -> Check:
    def check(value: Any, found: Problems) -> None:
        if _is_int(value):
            return
        if isinstance(value, datetime) or not isinstance(value, date):
            found.append(FieldProblem(path, "expected a date (not a datetime)"))

    return check


def _primitive(name: str, path: str) -> Check:
    rule = _PRIMITIVE_RULES.get(name)
    if rule is None:
        return lambda value, found: None
    accepts, problem = rule[0], FieldProblem(path, rule[1])

    def check(value: Any, found: Problems) -> None:
        if not accepts(value):
            found.append(problem)

    return check


_LOGICAL: dict[str, Callable[[str], Check]] = {
    "timestamp-millis": _timestamp,
    "timestamp-micros": _timestamp,
    "date": _date,
}
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
