"""What the projection does with each message, without knowing where messages come from.

decode -> document -> batch -> bulk (external versions) -> retry / dead-letter, plus identity
changes (re-key), purge commands and person summaries. Kafka stays outside: messages arrive as
:class:`RawMessage`, waiting is a callback (the runner pauses consumption while it waits), and
:meth:`RecordPipeline.settle` returns the offsets that are safe to commit because everything
before them is in OpenSearch (or in the dead-letter topic).

Transient failures (OpenSearch down, 429/5xx, dead letters not acknowledged) are retried with
backoff for as long as it takes; nothing is dropped and, thanks to external versioning, nothing
is applied twice. A version conflict is a duplicate or a stale event, except against a purge
tombstone of the same version: that is an item shared again after a purge (an objection
withdrawn), and it is written over the tombstone, whenever it comes.

Barriers: an identity change or a command first flushes pending documents, so
it applies to everything that came before it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TypeVar

from mcr.core.logging import get_logger
from mcr.core.metrics import BATCH_SECONDS, count_dead_letter
from projections.dlq import DeadLetterError, DeadLetterSender
from projections.record.backoff import Backoff
from projections.record.bulk import SUPERSEDE_VERSION_TYPE, BulkOp, ItemFailure, versioned_ops
from projections.record.documents import IndexDoc, Origin, build_document
from projections.record.errors import (
    CommandError,
    DeliveryError,
    DocumentError,
    TransientWriteError,
    WriteError,
)
from projections.record.messages import RawMessage
from projections.record.operations import move_documents, purge, write_summaries
from projections.record.rekey import parse_identity_change, plan_rekey
from projections.record.routes import apply_routes
from projections.record.writer import RecordWriter
from schemas.codec import decode, decode_record
from schemas.commands import (
    PURGE_ORGANISATION,
    PURGE_PERSON,
    Purge,
    PurgeOrganisation,
    PurgePerson,
    PurgeReceipt,
    PurgeScope,
    command_name,
    parse_command,
)
from schemas.dead_letters import DeadLetter, reason_of
from schemas.errors import DecodeError
from schemas.events import (
    PERSON_ID_HEADER,
    SOURCE_OFFSET_HEADER,
    SOURCE_PARTITION_HEADER,
    SOURCE_TOPIC_HEADER,
)

__all__ = ["STAGE", "PipelineStats", "Positions", "RecordPipeline"]

STAGE = "projection.record"
IDENTITY_SCHEMA = "identity_change"
Positions = dict[tuple[str, int], int]
_T = TypeVar("_T")
_TRANSIENT = (TransientWriteError, DeadLetterError, DeliveryError)
# A refused identity move or purge is never skipped (skipping a purge would leave an objecting
# person's data visible): it is retried with backoff and logged as an error until it succeeds.
_NEVER_SKIPPED = (*_TRANSIENT, WriteError)
_UNPROCESSABLE = (DecodeError, DocumentError, CommandError)
log = get_logger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class PipelineStats:
    """Counters since start, for logs, progress and tests."""

    handled: int = 0
    written: int = 0
    conflicts: int = 0
    dead_letters: int = 0
    skipped: int = 0
    moved: int = 0
    purged: int = 0
    retries: int = 0


class RecordPipeline:
    """Turns messages into OpenSearch writes; see the module docstring."""

    def __init__(
        self,
        *,
        writer: RecordWriter,
        dead_letters: DeadLetterSender,
        identity_topic: str,
        flush_max_docs: int,
        backoff: Backoff,
        wait: Callable[[float], None],
        emit_receipt: Callable[[PurgeReceipt], None] | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._writer = writer
        self._dead_letters = dead_letters
        self._identity_topic = identity_topic
        self._flush_max = flush_max_docs
        self._backoff = backoff
        self._wait = wait
        self._emit_receipt = emit_receipt
        self._clock = clock
        self._pending: list[tuple[IndexDoc, RawMessage]] = []
        self._pending_since: float | None = None
        self._dirty: set[str] = set()
        self._unrefreshed = False  # something written since the last refresh
        self._refreshed_at = time.monotonic()
        self._positions: Positions = {}
        self.stats = PipelineStats()

    # -- messages ---------------------------------------------------------------------------

    def handle(self, message: RawMessage) -> None:
        """Process one message; unprocessable ones go to the dead-letter topic."""
        try:
            self._route(message)
        except _UNPROCESSABLE as exc:
            self._dead_letter(message, reason_of(exc))
        self._positions[(message.topic, message.partition)] = message.offset + 1
        self.stats.handled += 1

    def _route(self, message: RawMessage) -> None:
        if message.topic == self._identity_topic:
            self._identity_change(message)
            return
        name = command_name(message.headers)
        if name is not None:
            self._command(name, message)
            return
        self._event(message)

    def _event(self, message: RawMessage) -> None:
        decoded = decode(message.value or b"")
        doc = build_document(
            decoded.record_type,
            decoded.payload,
            self._origin(message),
            schema_version=decoded.version,
        )
        if doc is None:
            self.stats.skipped += 1
            return
        if not self._pending:
            self._pending_since = time.monotonic()
        self._pending.append((doc, message))
        if len(self._pending) >= self._flush_max:
            self.flush()

    def _origin(self, message: RawMessage) -> Origin:
        raw = message.header(PERSON_ID_HEADER) or message.key or b""
        return Origin(
            person_id=raw.decode("utf-8", errors="replace"),
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            received_at=self._clock(),
            source_topic=message.text_header(SOURCE_TOPIC_HEADER),
            source_partition=message.int_header(SOURCE_PARTITION_HEADER),
            source_offset=message.int_header(SOURCE_OFFSET_HEADER),
        )

    def _dead_letter(self, message: RawMessage, reason: str) -> None:
        letter = DeadLetter(
            message.value, message.key, list(message.headers), message.topic,
            message.partition, message.offset, reason,
        )  # fmt: skip
        self._retrying("dead letter", lambda: self._dead_letters.send(letter))
        self.stats.dead_letters += 1
        count_dead_letter("record", reason)
        log.warning("dead-lettered", topic=message.topic, partition=message.partition,
                    offset=message.offset, reason=reason, stage=STAGE)  # fmt: skip

    # -- identity changes and commands ------------------------------------------------------

    def _identity_change(self, message: RawMessage) -> None:
        record = decode_record(message.value or b"")
        if record.schema_name != IDENTITY_SCHEMA:
            raise DocumentError(f"schema: expected {IDENTITY_SCHEMA}", field="schema")
        plan = plan_rekey(parse_identity_change(record.payload))
        if plan is None:
            return
        self.flush()
        moved, touched = self._retrying(
            "rekey", lambda: move_documents(self._writer, plan), retry_on=_NEVER_SKIPPED
        )
        self.stats.moved += moved
        self._dirty.update(touched)
        self._unrefreshed = True
        log.info("identity change applied", person_id=plan.person_id, count=moved)

    def _command(self, name: str, message: RawMessage) -> None:
        command = parse_command(name, message.key, message.value)
        self.flush()
        deleted, touched = 0, set[str]()

        def purge_and_report() -> None:
            nonlocal deleted
            count, persons = purge(self._writer, command)
            deleted += count
            touched.update(persons)
            self._report(command, deleted)

        self._retrying("purge", purge_and_report, retry_on=_NEVER_SKIPPED)
        if isinstance(command, PurgePerson) and command.scope is PurgeScope.PERSON:
            self._dirty.discard(command.person_id)  # its summary went with everything else
        else:
            self._dirty.update(touched)  # what stays of them gets its summary recomputed
        self._unrefreshed = True
        self.stats.purged += deleted

    def _report(self, command: Purge, deleted: int) -> None:
        if isinstance(command, PurgeOrganisation):
            # Its governance receipt is mcr org purge's (mcr.core.receipts), which waits for
            # this worker's commits and counts the tombstones bearing the command id.
            log.info("organisation purged", org=command.org, count=deleted,
                     command=PURGE_ORGANISATION)  # fmt: skip
            return
        receipt = PurgeReceipt(
            command.command_id, command.person_id, deleted, self._writer.target, self._clock(),
            command.reason, command.requested_by,
        )  # fmt: skip
        log.info("person purged", person_id=command.person_id, count=deleted, command=PURGE_PERSON)
        if self._emit_receipt is not None:
            self._emit_receipt(receipt)

    # -- writing ----------------------------------------------------------------------------

    def flush_due(self, interval_s: float) -> bool:
        """True when pending documents have waited ``interval_s`` or more."""
        since = self._pending_since
        return since is not None and time.monotonic() - since >= interval_s

    def flush(self) -> None:
        """Write every pending document, retrying until OpenSearch has taken all of them."""
        if not self._pending:
            return
        pending, self._pending, self._pending_since = self._pending, [], None
        started = time.monotonic()
        keys = sorted({doc.body["source_key"] for doc, _ in pending})
        routes = self._retrying("routes", lambda: self._writer.routes(keys))
        docs = apply_routes([doc for doc, _ in pending], routes)
        for position, failure in self._write_all(versioned_ops(docs, index=self._writer.target)):
            self._dead_letter(pending[position][1], _rejection_reason(failure))
        self._dirty.update(doc.person_id for doc in docs)
        self._unrefreshed = True
        elapsed = time.monotonic() - started
        BATCH_SECONDS.labels(stage="record").observe(elapsed)
        log.debug("bulk flushed", count=len(pending), duration_ms=round(elapsed * 1000, 1))

    def _write_all(self, sent: Sequence[BulkOp]) -> list[tuple[int, ItemFailure]]:
        ops = list(sent)
        remaining = list(range(len(ops)))
        rejected: list[tuple[int, ItemFailure]] = []
        attempt = 0
        while remaining:
            attempt += 1
            try:
                outcome = self._writer.bulk([ops[i] for i in remaining])
            except TransientWriteError as exc:
                self._back_off(attempt, "bulk", exc)
                continue
            shared_again = self._shared_after_purge(ops, [remaining[p] for p in outcome.conflicted])
            for position in shared_again:
                ops[position] = replace(ops[position], version_type=SUPERSEDE_VERSION_TYPE)
            self.stats.written += outcome.written
            self.stats.conflicts += outcome.conflicts - len(shared_again)
            rejected.extend((remaining[f.position], f) for f in outcome.rejected)
            remaining = [remaining[p] for p in outcome.retry]
            if remaining:
                self._back_off(attempt, "bulk", TransientWriteError("bulk: items to retry"))
            remaining += shared_again
        return rejected

    def _shared_after_purge(self, ops: Sequence[BulkOp], conflicted: Sequence[int]) -> list[int]:
        """Positions of conflicted writes that meet a purge tombstone of their own version."""
        if not conflicted:
            return []
        ids = [ops[i].doc_id for i in conflicted]
        purged = self._retrying("purge tombstones", lambda: self._writer.purge_tombstones(ids))
        return [i for i in conflicted if purged.get(ops[i].doc_id) == ops[i].version]

    def refresh_due(self, interval_s: float) -> bool:
        """True when something was written and the last refresh is ``interval_s`` or more ago."""
        return self._unrefreshed and time.monotonic() - self._refreshed_at >= interval_s

    def refresh(self) -> None:
        """Make everything written so far searchable (the worker owns the index's refreshes)."""
        self._retrying("refresh", self._refresh)

    def _refresh(self) -> None:
        started = time.monotonic()
        self._writer.refresh()
        self._unrefreshed, self._refreshed_at = False, started

    def settle(self) -> Positions:
        """Flush, refresh summaries, confirm dead letters; return the offsets now safe to commit.

        Recomputing summaries refreshes first, so the settle also makes every document written
        so far searchable; the summaries it writes become searchable at the next refresh."""
        self.flush()
        if self._dirty:
            self._retrying("summaries", self._write_summaries)
        elif self._unrefreshed:
            self.refresh()
        self._retrying("dead letters", self._dead_letters.ensure_delivered)
        positions, self._positions = self._positions, {}
        return positions

    def restore(self, positions: Positions) -> None:
        """Put back positions whose commit failed, unless newer ones were recorded since."""
        for partition, offset in positions.items():
            self._positions.setdefault(partition, offset)

    def forget(self, partitions: Iterable[tuple[str, int]]) -> None:
        """Drop uncommitted positions of partitions this worker no longer owns."""
        for partition in partitions:
            self._positions.pop(partition, None)

    def _write_summaries(self) -> None:
        started = time.monotonic()
        write_summaries(self._writer, self._dirty, now=self._clock())  # refreshes, then writes
        self._refreshed_at, self._unrefreshed = started, True
        self._dirty.clear()

    # -- retrying ---------------------------------------------------------------------------

    def _retrying(
        self,
        operation: str,
        action: Callable[[], _T],
        *,
        retry_on: tuple[type[Exception], ...] = _TRANSIENT,
    ) -> _T:
        attempt = 0
        while True:
            attempt += 1
            try:
                return action()
            except retry_on as exc:
                if not isinstance(exc, _TRANSIENT):
                    log.error(
                        "refused, retrying: nothing is skipped",
                        stage=STAGE,
                        command=operation,
                        attempt=attempt,
                        error_type=type(exc).__name__,
                    )
                self._back_off(attempt, operation, exc)

    def _back_off(self, attempt: int, operation: str, error: Exception) -> None:
        delay = self._backoff.delay(attempt)
        self.stats.retries += 1
        log.warning("retrying after backoff", stage=STAGE, command=operation, attempt=attempt,
                    error_type=type(error).__name__, duration_ms=round(delay * 1000))  # fmt: skip
        self._wait(delay)


def _rejection_reason(failure: ItemFailure) -> str:
    return f"{failure.error_type}:{failure.field}" if failure.field else failure.error_type
