"""Commands on the projection's source topic, and the receipts they leave. Pure.

A purge removes every document of one person (the consent stage sends it when an objection
takes effect), or with ``items`` only the documents of those (org, source record id) items of
the person (an item the person asked to withhold). Wire format, on the same topic as the
person's events so it is ordered after them::

    key      person_id (UTF-8), so it lands on the person's partition
    headers  mcr.command = purge-person, mcr.person_id = <person_id>
    value    JSON {"command": "purge-person", "person_id": "...", "command_id": "<uuid>",
                   "reason": "objection", "items": [["<org>", "<source record id>"], ...]}
             ("items" is optional; absent or empty means every document of the person)

The receipt (logged, and sent to the receipt topic when one is configured) has the header
``mcr.command = purge-person-receipt`` and a JSON value with the count of documents removed.
Neither carries PHI: ids, counts and times only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from projections.dlq import Headers
from projections.record.documents import iso_instant
from projections.record.errors import CommandError
from schemas.events import PERSON_ID_HEADER

__all__ = [
    "COMMAND_HEADER",
    "PURGE_PERSON",
    "PURGE_RECEIPT",
    "PurgePerson",
    "PurgeReceipt",
    "command_name",
    "parse_purge",
    "purge_message",
    "receipt_message",
]

COMMAND_HEADER = "mcr.command"
PURGE_PERSON = "purge-person"
PURGE_RECEIPT = "purge-person-receipt"
Message = tuple[bytes, bytes, Headers]


@dataclass(frozen=True)
class PurgePerson:
    """Remove everything projected for ``person_id``."""

    person_id: str
    command_id: str
    reason: str = "objection"
    items: tuple[tuple[str, str], ...] = ()
    """Only these (org, source record id) items; empty means everything of the person."""


@dataclass(frozen=True)
class PurgeReceipt:
    """What a purge did: how many documents it removed, from which index, and when."""

    command_id: str
    person_id: str
    deleted: int
    index: str
    completed_at: datetime


def command_name(headers: Sequence[tuple[str, bytes | None]]) -> str | None:
    """The value of the command header, or None for an ordinary event."""
    for name, value in headers:
        if name == COMMAND_HEADER:
            return (value or b"").decode("utf-8", errors="replace")
    return None


def purge_message(command: PurgePerson) -> Message:
    """Key, value and headers of a purge command."""
    value = {
        "command": PURGE_PERSON,
        "person_id": command.person_id,
        "command_id": command.command_id,
        "reason": command.reason,
        "items": [list(item) for item in command.items],
    }
    headers = [
        (COMMAND_HEADER, PURGE_PERSON.encode()),
        (PERSON_ID_HEADER, command.person_id.encode()),
    ]
    return command.person_id.encode(), json.dumps(value).encode(), headers


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise CommandError(f"{name}: must be a non-empty string", field=name)
    return value


def _items(body: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    raw = body.get("items") or []
    items: list[tuple[str, str]] = []
    for pair in raw if isinstance(raw, list) else [None]:
        if not (isinstance(pair, list) and len(pair) == 2 and all(_filled(v) for v in pair)):
            raise CommandError(
                "items: must be a list of [org, source record id] string pairs", field="items"
            )
        items.append((pair[0], pair[1]))
    return tuple(items)


def _filled(value: object) -> bool:
    return isinstance(value, str) and bool(value)


def parse_purge(key: bytes | None, value: bytes | None) -> PurgePerson:
    """Read a purge command; raises CommandError naming the field that is wrong."""
    try:
        body = json.loads(value or b"")
    except ValueError as exc:
        raise CommandError("value: not JSON", field="value") from exc
    if not isinstance(body, dict) or body.get("command") != PURGE_PERSON:
        raise CommandError(f"command: expected {PURGE_PERSON}", field="command")
    command = PurgePerson(
        _text(body, "person_id"), _text(body, "command_id"), _text(body, "reason"), _items(body)
    )
    if key is not None and key.decode("utf-8", errors="replace") != command.person_id:
        raise CommandError("key: must equal person_id", field="key")
    return command


def receipt_message(receipt: PurgeReceipt) -> Message:
    """Key, value and headers of a purge receipt."""
    value = {
        "command": PURGE_RECEIPT,
        "command_id": receipt.command_id,
        "person_id": receipt.person_id,
        "deleted": receipt.deleted,
        "index": receipt.index,
        "completed_at": iso_instant(receipt.completed_at),
    }
    headers = [
        (COMMAND_HEADER, PURGE_RECEIPT.encode()),
        (PERSON_ID_HEADER, receipt.person_id.encode()),
    ]
    return receipt.person_id.encode(), json.dumps(value).encode(), headers
