"""One batch of ``mcr.planning`` messages applied to the store in one transaction, in order.
A message that cannot be read (not a planning event, not a planning command) is returned as a
dead letter; the rest of the batch goes on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import psycopg

from mcr.core.postgres import Connection
from projections.planning import store
from schemas import codec
from schemas.commands import command_name
from schemas.dead_letters import DeadLetter
from schemas.errors import SchemaError
from schemas.messages import InboundMessage
from schemas.planning import PlanningMove, PlanningOptIn, PlanningOptOut, parse_planning_command

__all__ = ["BatchResult", "InboundMessage", "apply_batch"]


@dataclass
class BatchResult:
    """Counts of what a batch did, and its dead letters."""

    facts: int = 0
    opt_outs: int = 0
    removed: int = 0
    dead_letters: list[DeadLetter] = field(default_factory=list)


def _letter(message: InboundMessage, reason: str) -> DeadLetter:
    return DeadLetter(message.value, message.key, message.headers, message.topic,
                      message.partition, message.offset, reason)  # fmt: skip


def _apply(conn: Connection, message: InboundMessage, result: BatchResult,
           receipts_schema: str) -> None:  # fmt: skip
    if command_name(message.headers) is not None:
        command = parse_planning_command(message.value)
        if isinstance(command, PlanningOptOut):
            result.removed += store.apply_opt_out(conn, command, receipts_schema=receipts_schema)
            result.opt_outs += 1
        elif isinstance(command, PlanningOptIn):
            store.apply_opt_in(conn, command)
        elif isinstance(command, PlanningMove):
            result.removed += store.apply_move(conn, command)
        return
    record = codec.decode_record(message.value or b"")
    if record.schema_name != "planning_event":
        raise SchemaError("not a planning event")
    store.upsert_fact(conn, record.payload)
    result.facts += 1


def apply_batch(
    conn: Connection, batch: Sequence[InboundMessage], *, receipts_schema: str
) -> BatchResult:
    """Apply ``batch`` in order in one transaction (a database error rolls all of it back)."""
    result = BatchResult()
    with conn.transaction():
        for message in batch:
            try:
                with conn.transaction():  # a savepoint: one bad message does not stop the rest
                    _apply(conn, message, result, receipts_schema)
            except (SchemaError, psycopg.DataError) as exc:
                result.dead_letters.append(_letter(message, type(exc).__name__))
    return result
