"""Single-object encoding: exact bytes, round trips, and typed errors for bad input."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.codec import (
    DecodedEvent,
    decode,
    decode_record,
    encode,
    encode_record,
    writer_fingerprint,
)
from schemas.errors import (
    CorruptEventError,
    DecodeError,
    EncodeError,
    NotASourceEventError,
    SchemaError,
    UnknownFingerprintError,
    UnknownSchemaError,
)
from schemas.events import RecordType, SourceEvent
from schemas.registry import default_registry
from tests.unit.schemas import samples
from tests.unit.schemas.avro_strategies import payloads

IDENTITY_CHANGE = {
    "change_id": "c1",
    "kind": "LINK",
    "person_id": "p1",
    "previous_person_id": None,
    "source_keys": ["RD8:1"],
    "rule": "nhs-number",
    "score": None,
    "occurred_at": datetime(2024, 1, 1, tzinfo=UTC),
}
IDENTITY_CHANGE_BYTES = bytes.fromhex(
    "c3 01"  # single-object marker
    "2b b1 74 c2 60 0d dc d3"  # CRC-64-AVRO of identity_change v1, little-endian
    "04 63 31"  # change_id "c1"
    "02"  # kind: enum index 1 (LINK)
    "04 70 31"  # person_id "p1"
    "00"  # previous_person_id: union branch 0 (null)
    "02 0a 52 44 38 3a 31 00"  # source_keys: one block of 1 item "RD8:1", end of array
    "14 6e 68 73 2d 6e 75 6d 62 65 72"  # rule "nhs-number"
    "00"  # score: null
    "80 d0 8f a5 98 63"  # occurred_at: 1704067200000 ms, zig-zag varint
)


def test_encode_record_writes_exact_single_object_bytes() -> None:
    """A small identity change encodes to exactly the marker, fingerprint and Avro body."""
    assert encode_record("identity_change", IDENTITY_CHANGE) == IDENTITY_CHANGE_BYTES


def test_decode_record_reads_exact_bytes_back() -> None:
    """The written-out bytes decode to the schema name, writer version and original payload."""
    record = decode_record(IDENTITY_CHANGE_BYTES)
    assert (record.schema_name, record.version) == ("identity_change", 1)
    assert record.payload == IDENTITY_CHANGE


@pytest.mark.parametrize("record_type", list(RecordType))
def test_sample_source_event_round_trips(record_type: RecordType) -> None:
    """Each record type's sample event decodes to the same type, newest version and payload."""
    event = samples.event(record_type)
    decoded = decode(encode(event))
    newest = default_registry().newest(record_type.value).version
    assert decoded == DecodedEvent(record_type, newest, event.payload)
    assert decoded.to_source_event() == event


@pytest.mark.parametrize("name", default_registry().names())
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_round_trip_law_for_every_schema(name: str, data: st.DataObject) -> None:
    """decode(encode(x)) == x for any payload the newest schema of every name accepts."""
    payload = data.draw(payloads(default_registry().newest(name).parsed))
    assert decode_record(encode_record(name, payload)).payload == payload


def test_defaults_fill_missing_optional_fields() -> None:
    """Fields with defaults may be left out; they decode as their schema default."""
    minimal = {key: IDENTITY_CHANGE[key] for key in ("change_id", "kind", "person_id", "rule")}
    minimal["occurred_at"] = IDENTITY_CHANGE["occurred_at"]
    assert decode_record(encode_record("identity_change", minimal)).payload == IDENTITY_CHANGE | {
        "source_keys": []
    }


def _result_with(**changes: Any) -> SourceEvent:
    payload = samples.payload(RecordType.RESULT)
    for path, value in changes.items():
        target = payload
        *parents, leaf = path.split("__")
        for parent in parents:
            target = target[parent]
        if value is _DELETE:
            del target[leaf]
        else:
            target[leaf] = value
    return SourceEvent(RecordType.RESULT, payload)


_DELETE = object()

CODE_SYSTEMS = "SNOMED, LOINC, DMD, ICD10, READ, OPCS4, LOCAL"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"code__system": "FOO"},
            f"result.code.system: unknown code system (expected one of {CODE_SYSTEMS})",
        ),
        (
            {"header__record_version": "1"},
            "result.header.record_version: expected a 64-bit integer",
        ),
        ({"header__nhs_number": 9990000026}, "result.header.nhs_number: expected text"),
        ({"header__org": _DELETE}, "result.header.org: required field missing"),
        ({"colour": "red"}, "result.colour: unknown field (not in schema)"),
        ({"value_quantity": "5.4"}, "result.value_quantity: expected a number"),
        (
            {"status": "DONE"},
            "result.status: unknown result status (expected one of PRELIMINARY, FINAL, "
            "AMENDED, CANCELLED)",
        ),
        (
            {"code__system": "FOO", "status": "DONE"},
            f"result.code.system: unknown code system (expected one of {CODE_SYSTEMS}) "
            "(and 1 more)",
        ),
    ],
)
def test_encode_error_names_field_path_and_rule(changes: dict[str, Any], message: str) -> None:
    """A payload that does not fit raises EncodeError with the exact path and rule message."""
    with pytest.raises(EncodeError) as caught:
        encode(_result_with(**changes))
    assert str(caught.value) == message
    assert caught.value.schema_name == "result"
    assert caught.value.__cause__ is not None


def test_encode_error_never_quotes_the_value() -> None:
    """Neither a misplaced NHS number nor a name appears in the EncodeError message."""
    payload = samples.payload(RecordType.PATIENT, given_names="Testy Ann")
    payload["header"]["nhs_number"] = 9990000026
    with pytest.raises(EncodeError) as caught:
        encode(SourceEvent(RecordType.PATIENT, payload))
    assert "Testy" not in str(caught.value)
    assert "9990000026" not in str(caught.value)
    assert caught.value.path == "header.nhs_number"


def test_encode_record_unknown_schema_name() -> None:
    """Encoding with a schema name nobody registered raises UnknownSchemaError listing names."""
    with pytest.raises(UnknownSchemaError, match=r"no schema named 'widget' \(expected one of"):
        encode_record("widget", {})


GOOD = IDENTITY_CHANGE_BYTES


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"", CorruptEventError, "event shorter than the 10-byte header"),
        (GOOD[:9], CorruptEventError, "event shorter than the 10-byte header"),
        (b"\xc3\x02" + GOOD[2:], CorruptEventError, "missing single-object marker C3 01"),
        (b"\x00" + GOOD[1:], CorruptEventError, "missing single-object marker C3 01"),
        (GOOD[:-3], CorruptEventError, "identity_change v1: body does not parse"),
        (GOOD + b"\x00", CorruptEventError, "identity_change v1: 1 bytes after the body"),
        (GOOD[:10], CorruptEventError, "identity_change v1: body does not parse"),
        (
            b"\xc3\x01" + bytes(8) + GOOD[10:],
            UnknownFingerprintError,
            "unknown writer schema fingerprint 0000000000000000",
        ),
    ],
)
def test_decode_rejects_bad_bytes_with_typed_errors(
    data: bytes, error: type[DecodeError], message: str
) -> None:
    """Corrupt or unknown-schema bytes raise the specific DecodeError with an exact message."""
    with pytest.raises(error) as caught:
        decode_record(data)
    assert str(caught.value) == message


def test_decode_of_identity_change_is_not_a_source_event() -> None:
    """decode() accepts only source record types; an identity change raises a typed error."""
    with pytest.raises(NotASourceEventError, match="identity_change is not a source record type"):
        decode(GOOD)


def test_writer_fingerprint_reads_header_bytes() -> None:
    """The fingerprint is bytes 2..10 of the event."""
    assert writer_fingerprint(GOOD) == bytes.fromhex("2bb174c2600ddcd3")


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=64), name=st.sampled_from(default_registry().names()))
def test_garbage_body_raises_only_schema_errors(body: bytes, name: str) -> None:
    """A valid header with any body either decodes or raises a SchemaError, nothing else."""
    fingerprint = default_registry().newest(name).fingerprint
    with contextlib.suppress(SchemaError):
        decode_record(b"\xc3\x01" + fingerprint + body)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=40))
def test_arbitrary_bytes_raise_only_decode_errors(data: bytes) -> None:
    """Random bytes never escape as a library exception: only DecodeError subclasses."""
    with pytest.raises(DecodeError):
        decode_record(data)
