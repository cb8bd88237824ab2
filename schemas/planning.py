"""The planning feed's contract (``mcr.planning``): de-identified events and the commands that
keep the planning store in step with opt-outs and identity changes. Pure.

Events are Avro (``schemas/avro/planning_event``), keyed by the person's pseudonym. Commands
are JSON with the header ``mcr.command`` (as on ``mcr.shared``, ``schemas.commands``), keyed
by the pseudonym they are about, so they follow that person's events on one partition::

    planning-opt-out   {"command", "command_id", "pseudonyms": [...], "reason",
                        "requested_by", "requested_at"}
        remove every contribution of these pseudonyms (one per configured key) and keep
        them out until a planning-opt-in; ``requested_by`` is the ODS code of the
        organisation that recorded the opt-out, ``reason`` type-1 or national-data-opt-out.
    planning-opt-in    {"command", "command_id", "pseudonyms": [...]}
        the opt-out was withdrawn: new contributions count again.
    planning-move      {"command", "command_id", "sources": [...], "pseudonym", "changed_at"}
        these source-record pseudonyms belong to this person since the identity change at
        ``changed_at`` (merge, unmerge, re-link); an older move read late changes nothing.

Nothing here is an identifier: pseudonyms are keyed hashes, ODS codes name organisations.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemas.commands import COMMAND_HEADER
from schemas.errors import CommandError
from schemas.instants import iso_instant

__all__ = [
    "PLANNING_MOVE",
    "PLANNING_OPT_IN",
    "PLANNING_OPT_OUT",
    "PlanningCommand",
    "PlanningMove",
    "PlanningOptIn",
    "PlanningOptOut",
    "parse_planning_command",
    "planning_command_message",
]

PLANNING_OPT_OUT = "planning-opt-out"
PLANNING_OPT_IN = "planning-opt-in"
PLANNING_MOVE = "planning-move"
Message = tuple[bytes, bytes, list[tuple[str, bytes]]]


@dataclass(frozen=True)
class PlanningOptOut:
    """Remove and keep out every contribution of ``pseudonyms``."""

    command_id: str
    pseudonyms: tuple[str, ...]
    reason: str
    requested_by: str
    requested_at: datetime


@dataclass(frozen=True)
class PlanningOptIn:
    """An opt-out was withdrawn: contributions of ``pseudonyms`` count again."""

    command_id: str
    pseudonyms: tuple[str, ...]


@dataclass(frozen=True)
class PlanningMove:
    """The source records ``sources`` (pseudonyms) now belong to ``pseudonym``."""

    command_id: str
    sources: tuple[str, ...]
    pseudonym: str
    changed_at: datetime


PlanningCommand = PlanningOptOut | PlanningOptIn | PlanningMove


def planning_command_message(command: PlanningCommand) -> Message:
    """Key, value and headers of a planning command."""
    body: dict[str, Any]
    if isinstance(command, PlanningOptOut):
        name, key = PLANNING_OPT_OUT, command.pseudonyms[0]
        body = {"pseudonyms": list(command.pseudonyms), "reason": command.reason,
                "requested_by": command.requested_by,
                "requested_at": iso_instant(command.requested_at)}  # fmt: skip
    elif isinstance(command, PlanningOptIn):
        name, key = PLANNING_OPT_IN, command.pseudonyms[0]
        body = {"pseudonyms": list(command.pseudonyms)}
    else:
        name, key = PLANNING_MOVE, command.pseudonym
        body = {"sources": list(command.sources), "pseudonym": command.pseudonym,
                "changed_at": iso_instant(command.changed_at)}  # fmt: skip
    value = {"command": name, "command_id": command.command_id, **body}
    return key.encode(), json.dumps(value).encode(), [(COMMAND_HEADER, name.encode())]


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise CommandError(f"{name}: must be a non-empty string", field=name)
    return value


def _texts(body: dict[str, Any], name: str) -> tuple[str, ...]:
    value = body.get(name)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise CommandError(f"{name}: must be a non-empty list of strings", field=name)
    return tuple(value)


def _instant(body: dict[str, Any], name: str) -> datetime:
    try:
        found = datetime.fromisoformat(_text(body, name))
    except ValueError as exc:
        raise CommandError(f"{name}: expected an ISO 8601 instant", field=name) from exc
    if found.tzinfo is None:
        raise CommandError(f"{name}: expected a time zone", field=name)
    return found


def parse_planning_command(value: bytes | None) -> PlanningCommand:
    """Read a planning command; CommandError naming the field that is wrong."""
    try:
        body = json.loads(value or b"")
    except ValueError as exc:
        raise CommandError("value: not JSON", field="value") from exc
    if not isinstance(body, dict):
        raise CommandError("value: expected a JSON object", field="value")
    name, command_id = body.get("command"), _text(body, "command_id")
    if name == PLANNING_OPT_OUT:
        pseudonyms, reason = _texts(body, "pseudonyms"), _text(body, "reason")
        by, at = _text(body, "requested_by"), _instant(body, "requested_at")
        return PlanningOptOut(command_id, pseudonyms, reason, by, at)
    if name == PLANNING_OPT_IN:
        return PlanningOptIn(command_id, _texts(body, "pseudonyms"))
    if name == PLANNING_MOVE:
        return PlanningMove(command_id, _texts(body, "sources"), _text(body, "pseudonym"),
                            _instant(body, "changed_at"))  # fmt: skip
    raise CommandError("command: expected a planning command", field="command")
