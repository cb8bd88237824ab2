"""Identity changes match identity_change/v1.avsc."""

from __future__ import annotations

import pytest

from schemas.codec import decode_record, encode_record
from streams.identity.changes import ChangeKind, identity_change, split_source_key


def test_change_encodes_with_the_identity_change_schema() -> None:
    """A MERGE change round-trips through the Avro codec unchanged."""
    change = identity_change(
        ChangeKind.MERGE,
        "p-1",
        previous_person_id="p-2",
        source_keys=["RD8:H1", "GP1:G7"],
        rule="operator",
    )
    decoded = decode_record(encode_record("identity_change", change))
    assert decoded.schema_name == "identity_change"
    assert decoded.payload["source_keys"] == ["RD8:H1", "GP1:G7"]
    assert decoded.payload["kind"] == "MERGE"
    assert decoded.payload["change_id"] == change["change_id"]


@pytest.mark.parametrize(
    ("key", "expected"), [("RD8:H1", ("RD8", "H1")), ("RD8:a:b", ("RD8", "a:b"))]
)
def test_split_source_key(key: str, expected: tuple[str, str]) -> None:
    """A source key splits at its first colon."""
    assert split_source_key(key) == expected


def test_split_rejects_a_key_without_org() -> None:
    """A key without '<org>:' is refused."""
    with pytest.raises(ValueError, match="expected <org>:<local patient id>"):
        split_source_key("H1")
