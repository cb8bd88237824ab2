"""Purge commands and receipts on the wire."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from projections.record.errors import CommandError
from schemas.commands import (
    PurgeOrganisation,
    PurgePerson,
    PurgeReceipt,
    PurgeScope,
    command_name,
    organisation_purge_message,
    parse_command,
    parse_purge,
    purge_message,
    receipt_message,
)


def test_purge_message_round_trips() -> None:
    """A purge command is keyed by person, flagged by header, and parses back to itself."""
    command = PurgePerson("P1", "cmd-1", "objection")
    key, value, headers = purge_message(command)
    assert (key, headers) == (b"P1", [("mcr.command", b"purge-person"), ("mcr.person_id", b"P1")])
    assert json.loads(value) == {"command": "purge-person", "person_id": "P1",
                                 "command_id": "cmd-1", "reason": "objection",
                                 "scope": "person"}  # fmt: skip
    assert (command_name(headers), parse_purge(key, value)) == ("purge-person", command)


def test_item_purge_round_trips() -> None:
    """A purge limited to withheld items says so and carries them as [org, id] pairs."""
    command = PurgePerson("P1", "cmd-2", "withheld", (("Y01", "Encounter/9"),))
    key, value, _ = purge_message(command)
    body = json.loads(value)
    assert (body["scope"], body["items"]) == ("items", [["Y01", "Encounter/9"]])
    assert parse_purge(key, value) == command


def test_source_key_purge_round_trips() -> None:
    """A purge of moved source records names the keys, whoever holds them."""
    command = PurgePerson("P1", "cmd-3", "objection", source_keys=("RC9:H7", "Y01:G1"))
    key, value, _ = purge_message(command)
    assert json.loads(value)["scope"] == "source-keys"
    assert parse_purge(key, value) == command
    assert command.scope is PurgeScope.SOURCE_KEYS


def test_first_format_without_scope_reads_as_it_was_meant() -> None:
    """Commands written before scopes existed (a rebuild reads them again): empty items purge
    the whole person, named items only those items."""
    head = b'{"command": "purge-person", "person_id": "P1", "command_id": "c", "reason": "r"'
    assert parse_purge(b"P1", head + b"}").scope is PurgeScope.PERSON
    assert parse_purge(b"P1", head + b', "items": []}').scope is PurgeScope.PERSON
    legacy = parse_purge(b"P1", head + b', "items": [["Y01", "E1"]]}')
    assert (legacy.scope, legacy.items) == (PurgeScope.ITEMS, (("Y01", "E1"),))


def test_ordinary_events_have_no_command() -> None:
    """Without the command header a message is an event."""
    assert command_name([("mcr.person_id", b"P1")]) is None


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        (b"P1", b"not json", "value"),
        (b"P1", b'{"command": "purge-everyone", "person_id": "P1"}', "command"),
        (b"P1", b'{"command": "purge-person", "person_id": "", "command_id": "c", "reason": "r"}',
         "person_id"),
        (b"P2", b'{"command": "purge-person", "person_id": "P1", "command_id": "c", "reason": "r"}',
         "key"),
        (b"P1", b'{"command": "purge-person", "person_id": "P1", "command_id": "c", "reason": "r",'
                b' "scope": "items", "items": [["Y01"]]}', "items"),
        (b"P1", b'{"command": "purge-person", "person_id": "P1", "command_id": "c", "reason": "r",'
                b' "scope": "items", "items": []}', "items"),
        (b"P1", b'{"command": "purge-person", "person_id": "P1", "command_id": "c", "reason": "r",'
                b' "scope": "source-keys", "source_keys": ["nocolon"]}', "source_keys"),
        (b"P1", b'{"command": "purge-person", "person_id": "P1", "command_id": "c", "reason": "r",'
                b' "scope": "person", "items": [["Y01", "E1"]]}', "scope"),
        (b"P1", b'{"command": "purge-person", "person_id": "P1", "command_id": "c", "reason": "r",'
                b' "scope": "everyone"}', "scope"),
    ],
)  # fmt: skip
def test_malformed_purges_name_the_field(key: bytes, value: bytes, field: str) -> None:
    """A purge that is not exactly right is refused, naming what is wrong."""
    with pytest.raises(CommandError) as caught:
        parse_purge(key, value)
    assert caught.value.field == field


def test_receipt_carries_ids_and_count_only() -> None:
    """The receipt says who, how many and when: no PHI."""
    receipt = PurgeReceipt("cmd-1", "P1", 12, "record-v1-1", datetime(2024, 3, 2, tzinfo=UTC))
    key, value, headers = receipt_message(receipt)
    assert (key, headers[0]) == (b"P1", ("mcr.command", b"purge-person-receipt"))
    assert json.loads(value) == {
        "command": "purge-person-receipt", "command_id": "cmd-1", "person_id": "P1",
        "deleted": 12, "index": "record-v1-1", "completed_at": "2024-03-02T00:00:00.000Z",
    }  # fmt: skip


def test_organisation_purge_round_trips_and_is_told_apart() -> None:
    """An organisation purge reads back as itself, by its command header."""
    command = PurgeOrganisation("E81001", "cmd-9", "agreement ended")
    key, value, headers = organisation_purge_message(command)
    assert key == b"E81001"
    name = command_name(headers)
    assert name == "purge-organisation"
    assert parse_command(name, key, value) == command
    assert command.scope is PurgeScope.ORGANISATION


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        (b"RC9", b'{"command": "purge-organisation", "org": "E81001", "command_id": "c", '
                 b'"reason": "r"}', "key"),
        (b"E81001", b'{"command": "purge-organisation", "command_id": "c", "reason": "r"}',
         "org"),
        (b"E81001", b"not json", "value"),
    ],
)  # fmt: skip
def test_malformed_organisation_purges_name_the_field(key: bytes, value: bytes, field: str) -> None:
    """A wrong key, a missing org or bad JSON is a CommandError naming the field."""
    with pytest.raises(CommandError) as caught:
        parse_command("purge-organisation", key, value)
    assert caught.value.field == field


def test_an_unknown_command_is_refused() -> None:
    """A command header nobody obeys is an error, not a silent skip."""
    with pytest.raises(CommandError, match="unknown command"):
        parse_command("purge-everything", b"k", b"{}")
