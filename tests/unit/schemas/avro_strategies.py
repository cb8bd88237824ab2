"""Hypothesis strategies that generate any payload a parsed Avro schema accepts.

Values are chosen so a round trip can compare with ``==``: timestamps are UTC at millisecond
precision, doubles are never NaN, every record field is present.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
_PRIMITIVES: dict[str, st.SearchStrategy[Any]] = {
    "null": st.none(),
    "boolean": st.booleans(),
    "int": st.integers(-(2**31), 2**31 - 1),
    "long": st.integers(-(2**63), 2**63 - 1),
    "float": st.floats(width=32, allow_nan=False),
    "double": st.floats(allow_nan=False),
    "string": _TEXT,
    "bytes": st.binary(max_size=12),
}
_TIMESTAMPS = st.datetimes(
    min_value=datetime(1800, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000))


def payloads(schema: Any) -> st.SearchStrategy[Any]:
    """Every value of fastavro's parsed ``schema`` (named types resolved by full name)."""
    return _strategy(schema, schema.get("__named_schemas", {}))


def _strategy(schema: Any, named: dict[str, Any]) -> st.SearchStrategy[Any]:
    if isinstance(schema, list):
        return st.one_of([_strategy(branch, named) for branch in schema])
    if isinstance(schema, str):
        return _strategy(named[schema], named) if schema in named else _PRIMITIVES[schema]
    logical = schema.get("logicalType")
    if logical == "timestamp-millis":
        return _TIMESTAMPS
    if logical == "date":
        return st.dates()
    kind = schema["type"]
    if kind == "record":
        fields = {f["name"]: _strategy(f["type"], named) for f in schema["fields"]}
        return st.fixed_dictionaries(fields)
    if kind == "enum":
        return st.sampled_from(schema["symbols"])
    if kind == "array":
        return st.lists(_strategy(schema["items"], named), max_size=3)
    if kind == "map":
        return st.dictionaries(_TEXT, _strategy(schema["values"], named), max_size=3)
    if kind == "fixed":
        return st.binary(min_size=schema["size"], max_size=schema["size"])
    return _strategy(kind, named)
