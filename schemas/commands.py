"""Commands on the projection's source topic, and the receipts they leave: the pipeline-wide
wire format the consent stage sends and the record projection reads. Pure.

A purge removes projected documents; the consent stage sends it. Its ``scope`` says which:

- ``person``: every document of ``person_id`` (an objection took effect);
- ``items``: the person's documents of the named (org, source record id) items, and of their
  components (``<id>#...``: a FHIR Observation's components are items of their own), for an
  item the person asked to withhold or that became sensitive;
- ``source-keys``: every document of the named source records, whoever holds them now (records
  a merge, unmerge or re-link moved into a person who objects, whichever order the projection
  sees the move and the purge in).

Wire format, on the same topic as the person's events so it is ordered after them::

    key      person_id (UTF-8), so it lands on the person's partition
    headers  mcr.command = purge-person, mcr.person_id = <person_id>
    value    JSON {"command": "purge-person", "person_id": "...", "command_id": "<uuid>",
                   "reason": "objection", "scope": "person"}
             scope "items" adds "items": [["<org>", "<source record id>"], ...] (at least one);
             scope "source-keys" adds "source_keys": ["<org>:<local id>", ...] (at least one)

A command without ``scope`` (the first version of the format) is an item purge when it names
items and a whole-person purge otherwise.

An **organisation purge** (``mcr org purge``) removes every document an organisation shared,
whoever holds it. It is not about one person, so it is sent once to *every* partition of the
topic (the same ``command_id`` on each), which orders it after everything already on each
partition; obeying it twice changes nothing::

    key      <ODS code> (UTF-8); the sender picks each partition explicitly
    headers  mcr.command = purge-organisation
    value    JSON {"command": "purge-organisation", "org": "<ODS code>",
                   "command_id": "<uuid>", "reason": "..."}

The
receipt (logged, and sent to the receipt topic when one is configured) has the header
``mcr.command = purge-person-receipt`` and a JSON value with the count of documents removed.
Neither carries PHI: ids, counts and times only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from schemas.dead_letters import Headers
from schemas.errors import CommandError
from schemas.events import PERSON_ID_HEADER
from schemas.instants import iso_instant

__all__ = [
    "COMMAND_HEADER",
    "PURGE_ORGANISATION",
    "PURGE_PERSON",
    "PURGE_RECEIPT",
    "Purge",
    "PurgeOrganisation",
    "PurgePerson",
    "PurgeReceipt",
    "PurgeScope",
    "command_name",
    "organisation_purge_message",
    "parse_command",
    "parse_organisation_purge",
    "parse_purge",
    "purge_message",
    "receipt_message",
]

COMMAND_HEADER = "mcr.command"
PURGE_PERSON = "purge-person"
PURGE_ORGANISATION = "purge-organisation"
PURGE_RECEIPT = "purge-person-receipt"
Message = tuple[bytes, bytes, Headers]


class PurgeScope(StrEnum):
    """What a purge removes (see the module docstring)."""

    PERSON = "person"
    ITEMS = "items"
    SOURCE_KEYS = "source-keys"
    ORGANISATION = "organisation"
    """Every document of one organisation (a ``purge-organisation`` command)."""


@dataclass(frozen=True)
class PurgePerson:
    """Remove what was projected for ``person_id``: everything, or only ``items``, or only the
    documents of ``source_keys`` whoever holds them (one of the two at most)."""

    person_id: str
    command_id: str
    reason: str = "objection"
    items: tuple[tuple[str, str], ...] = ()
    source_keys: tuple[str, ...] = ()
    requested_by: str = ""
    """ODS code of the organisation whose consent item asked for it ("mcr" for the pipeline's
    own follow-up of an identity change); empty in commands written before it existed."""

    def __post_init__(self) -> None:
        if self.items and self.source_keys:
            raise ValueError("a purge names items or source keys, not both")

    @property
    def scope(self) -> PurgeScope:
        """What the purge removes."""
        if self.items:
            return PurgeScope.ITEMS
        if self.source_keys:
            return PurgeScope.SOURCE_KEYS
        return PurgeScope.PERSON


@dataclass(frozen=True)
class PurgeOrganisation:
    """Remove every document ``org`` shared, whoever holds it (``mcr org purge``)."""

    org: str
    command_id: str
    reason: str = "organisation purge"

    @property
    def scope(self) -> PurgeScope:
        """Always :attr:`PurgeScope.ORGANISATION`."""
        return PurgeScope.ORGANISATION


Purge = PurgePerson | PurgeOrganisation
"""Any purge command the projection obeys."""


@dataclass(frozen=True)
class PurgeReceipt:
    """What a purge did: how many documents it removed, from which index, and when; why and
    at whose request (from the command)."""

    command_id: str
    person_id: str
    deleted: int
    index: str
    completed_at: datetime
    reason: str = ""
    requested_by: str = ""


def command_name(headers: Sequence[tuple[str, bytes | None]]) -> str | None:
    """The value of the command header, or None for an ordinary event."""
    for name, value in headers:
        if name == COMMAND_HEADER:
            return (value or b"").decode("utf-8", errors="replace")
    return None


def purge_message(command: PurgePerson) -> Message:
    """Key, value and headers of a purge command."""
    value: dict[str, Any] = {
        "command": PURGE_PERSON,
        "person_id": command.person_id,
        "command_id": command.command_id,
        "reason": command.reason,
        "scope": command.scope.value,
    }
    if command.items:
        value["items"] = [list(item) for item in command.items]
    if command.source_keys:
        value["source_keys"] = list(command.source_keys)
    if command.requested_by:
        value["requested_by"] = command.requested_by
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
    raw = body.get("items")
    if not isinstance(raw, list) or not raw:
        raise CommandError("items: scope items needs at least one item", field="items")
    items: list[tuple[str, str]] = []
    for pair in raw:
        if not (isinstance(pair, list) and len(pair) == 2 and all(_filled(v) for v in pair)):
            raise CommandError(
                "items: must be a list of [org, source record id] string pairs", field="items"
            )
        items.append((pair[0], pair[1]))
    return tuple(items)


def _source_keys(body: dict[str, Any]) -> tuple[str, ...]:
    raw = body.get("source_keys")
    if not isinstance(raw, list) or not raw or not all(_filled(k) and ":" in k for k in raw):
        raise CommandError(
            "source_keys: scope source-keys needs a list of '<org>:<local id>' strings",
            field="source_keys",
        )
    return tuple(raw)


def _filled(value: object) -> bool:
    return isinstance(value, str) and bool(value)


def _scoped(body: dict[str, Any]) -> dict[str, Any]:
    """The items or source keys the command's scope names (none for a whole person)."""
    # Without a scope (the first format) a non-empty "items" was an item purge.
    scope = body.get("scope") or (PurgeScope.ITEMS if body.get("items") else PurgeScope.PERSON)
    if scope == PurgeScope.ITEMS:
        return {"items": _items(body)}
    if scope == PurgeScope.SOURCE_KEYS:
        return {"source_keys": _source_keys(body)}
    if scope == PurgeScope.PERSON:
        if body.get("items") or body.get("source_keys"):
            raise CommandError("scope: person purges name no items or keys", field="scope")
        return {}
    raise CommandError("scope: expected person, items or source-keys", field="scope")


def _command_body(value: bytes | None, command: str) -> dict[str, Any]:
    """The JSON object of a ``command`` message; CommandError when it is not one."""
    try:
        body = json.loads(value or b"")
    except ValueError as exc:
        raise CommandError("value: not JSON", field="value") from exc
    if not isinstance(body, dict) or body.get("command") != command:
        raise CommandError(f"command: expected {command}", field="command")
    return body


def parse_purge(key: bytes | None, value: bytes | None) -> PurgePerson:
    """Read a purge command; raises CommandError naming the field that is wrong."""
    body = _command_body(value, PURGE_PERSON)
    by = body.get("requested_by")
    command = PurgePerson(
        _text(body, "person_id"), _text(body, "command_id"), _text(body, "reason"),
        **_scoped(body), requested_by=by if isinstance(by, str) else "",
    )  # fmt: skip
    if key is not None and key.decode("utf-8", errors="replace") != command.person_id:
        raise CommandError("key: must equal person_id", field="key")
    return command


def organisation_purge_message(command: PurgeOrganisation) -> Message:
    """Key, value and headers of an organisation purge (send one to every partition)."""
    value = {
        "command": PURGE_ORGANISATION,
        "org": command.org,
        "command_id": command.command_id,
        "reason": command.reason,
    }
    headers = [(COMMAND_HEADER, PURGE_ORGANISATION.encode())]
    return command.org.encode(), json.dumps(value).encode(), headers


def parse_organisation_purge(key: bytes | None, value: bytes | None) -> PurgeOrganisation:
    """Read an organisation purge; raises CommandError naming the field that is wrong."""
    body = _command_body(value, PURGE_ORGANISATION)
    command = PurgeOrganisation(
        _text(body, "org"), _text(body, "command_id"), _text(body, "reason")
    )
    if key is not None and key.decode("utf-8", errors="replace") != command.org:
        raise CommandError("key: must equal org", field="key")
    return command


def parse_command(name: str, key: bytes | None, value: bytes | None) -> Purge:
    """The purge a message with command header ``name`` carries; CommandError for an
    unknown command or a malformed one."""
    if name == PURGE_PERSON:
        return parse_purge(key, value)
    if name == PURGE_ORGANISATION:
        return parse_organisation_purge(key, value)
    raise CommandError("mcr.command: unknown command", field="mcr.command")


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
