"""Logging set up once for every process: JSON lines for services, readable lines for the CLI.

Clinical safety: log records may carry only allowlisted keys (ids, topic, partition, offset,
counts, durations). Any other key is dropped before rendering, so a stray ``name=`` or
``nhs_number=`` never reaches a log file. Free text goes in ``event`` and must not hold PHI.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any, Literal

import structlog

Mode = Literal["console", "json"]

#: Keys a log record may carry besides the message. Extend deliberately, never with PHI.
ALLOWED_KEYS: frozenset[str] = frozenset(
    {
        "event",
        "level",
        "timestamp",
        "logger",
        "exc_info",
        "stack_info",
        "exception",
        "service",
        "port",
        "pid",
        "host",
        "path",
        "url",
        "status",
        "health",
        "detail",
        "topic",
        "partition",
        "offset",
        "group",
        "key_hash",
        "count",
        "sent",
        "rejected",
        "failed",
        "batch",
        "duration_ms",
        "rate",
        "elapsed_s",
        "events",
        "attempt",
        "person_id",
        "event_id",
        "org",
        "source_system",
        "record_type",
        "record_id",
        "stage",
        "reason",
        "error",
        "error_type",
        "field",
        "index",
        "alias",
        "version",
        "schema",
        "fingerprint",
        "decision",
        "score",
        "rule",
        "command",
        "dry_run",
        "kept_back",
    }
)
DROPPED_MARKER = "dropped_keys"


def drop_unlisted_keys(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: remove every key that is not allowlisted, and say how many went."""
    unlisted = [key for key in event_dict if key not in ALLOWED_KEYS]
    for key in unlisted:
        del event_dict[key]
    if unlisted:
        event_dict[DROPPED_MARKER] = len(unlisted)
    return event_dict


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the time of each call.

    Binding the stream at configure time breaks once a CLI runner or test swaps and closes
    it ("I/O operation on closed file" in whatever logs next).
    """

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _processors(mode: Mode) -> list[Any]:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        drop_unlisted_keys,
    ]
    if mode == "json":
        return [*shared, structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    # Plain tracebacks: rich ones print local variables, which may hold patient data.
    renderer = structlog.dev.ConsoleRenderer(
        colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
    )
    return [*shared, renderer]


def configure_logging(mode: Mode = "console", level: str = "INFO") -> None:
    """Configure structlog (and the stdlib root logger libraries use) for this process."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    logging.basicConfig(
        stream=sys.stderr, level=max(numeric, logging.WARNING), format="%(message)s"
    )
    structlog.configure(
        processors=_processors(mode),
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )


def get_logger(name: str | None = None) -> Any:
    """Return a structlog logger bound to ``name`` (the module's ``__name__``)."""
    return structlog.get_logger(name) if name else structlog.get_logger()
