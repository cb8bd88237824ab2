"""Ingest files: read each one, map it to events, validate, publish, and sum up what happened.

The loop behind ``mcr produce``. Reading and mapping a file is the caller's ``read`` function
(one per input format, see :mod:`producers.sdk.sources`); publishing is a :class:`Publisher`,
or nothing in a dry run. Every event is validated first and only valid ones are published;
everything refused is kept as a :class:`~producers.model.Rejection` with its location.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mcr.core.logging import get_logger
from producers.model import AdapterResult, Rejection
from producers.sdk.delivery import DeliveryReport
from producers.sdk.errors import FlushTimeoutError, PublishError
from producers.sdk.validation import event_problems
from schemas.errors import SchemaError
from schemas.events import SourceEvent

if TYPE_CHECKING:
    from producers.sdk.publisher import Publisher

FileReader = Callable[[Path], AdapterResult]
"""Reads one file and maps it to events (or rejections); must not raise."""

EXIT_OK = 0
EXIT_DELIVERY_FAILED = 1
EXIT_REJECTED = 2
_log = get_logger(__name__)


@dataclass
class IngestSummary:
    """What an ingest run did. ``sent`` counts delivered events (validated ones in a dry run)."""

    dry_run: bool = False
    files_read: int = 0
    sent: Counter[str] = field(default_factory=Counter)
    rejected: list[Rejection] = field(default_factory=list)
    failed: list[Rejection] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    def as_json(self) -> dict[str, object]:
        """The summary for ``--json``: counts, and each rejection's location and reason (the
        reasons name fields and rules, never values)."""
        return {
            "dry_run": self.dry_run, "files_read": self.files_read,
            "sent": dict(self.sent), "sent_total": self.sent.total(),
            "skipped": dict(self.skipped),
            "rejected": [{"location": r.location, "reason": r.reason} for r in self.rejected],
            "failed": [{"location": r.location, "reason": r.reason} for r in self.failed],
            "exit_code": self.exit_code,
        }  # fmt: skip

    @property
    def exit_code(self) -> int:
        """0 all sent; 2 anything rejected (input or validation); 1 only deliveries failed."""
        if self.rejected:
            return EXIT_REJECTED
        return EXIT_DELIVERY_FAILED if self.failed else EXIT_OK


def collect_files(path: Path, suffixes: Iterable[str]) -> list[Path]:
    """``path`` itself when it is a file; otherwise every file under it (recursively) whose
    suffix is one of ``suffixes`` (case-insensitive), sorted."""
    if path.is_file():
        return [path]
    wanted = {suffix.lower() for suffix in suffixes}
    return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in wanted)


def ingest(
    files: Iterable[Path],
    *,
    root: Path,
    read: FileReader,
    publisher: Publisher | None,
    flush_timeout_s: float = 60.0,
    on_file: Callable[[], None] | None = None,
) -> IngestSummary:
    """Read, validate and publish every file; ``publisher=None`` is a dry run. ``on_file``
    runs after each file (a progress bar)."""
    summary = IngestSummary(dry_run=publisher is None)
    for path in files:
        name = _display_name(path, root)
        result = read(path)
        summary.files_read += 1
        summary.skipped.update(result.skipped)
        summary.rejected.extend(
            Rejection(f"{name}: {r.location}", r.reason) for r in result.rejections
        )
        for index, event in enumerate(result.events):
            _ingest_event(
                event,
                location=f"{name}: event {index} ({event.record_type})",
                summary=summary,
                publisher=publisher,
            )
        if on_file is not None:
            on_file()
    if publisher is not None:
        _flush(publisher, summary, flush_timeout_s)
    _log.info(
        "ingest finished",
        count=summary.files_read,
        sent=summary.sent.total(),
        rejected=len(summary.rejected),
        failed=len(summary.failed),
    )
    return summary


def _ingest_event(
    event: SourceEvent, *, location: str, summary: IngestSummary, publisher: Publisher | None
) -> None:
    problems = event_problems(event)
    if problems:
        summary.rejected.extend(Rejection(location, str(problem)) for problem in problems)
    elif publisher is None:
        summary.sent[event.record_type.value] += 1
    else:
        try:
            publisher.publish(event, on_delivery=_recorder(summary, location))
        except SchemaError as exc:  # a shape validation could not foresee; message is PHI-free
            summary.rejected.append(Rejection(location, f"{type(exc).__name__}: {exc}"))
        except PublishError as exc:
            summary.failed.append(Rejection(location, f"{type(exc).__name__}: {exc}"))


def _recorder(summary: IngestSummary, location: str) -> Callable[[DeliveryReport], None]:
    def record(report: DeliveryReport) -> None:
        if report.delivered:
            summary.sent[report.record_type.value] += 1
        else:
            summary.failed.append(Rejection(location, f"delivery failed: {report.error}"))

    return record


def _flush(publisher: Publisher, summary: IngestSummary, timeout_s: float) -> None:
    try:
        publisher.flush(timeout_s)
    except FlushTimeoutError as exc:
        summary.failed.append(Rejection("delivery", str(exc)))


def _display_name(path: Path, root: Path) -> str:
    if root.is_dir() and path.is_relative_to(root):
        return str(path.relative_to(root))
    return path.name
