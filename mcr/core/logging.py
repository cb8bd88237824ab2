"""Logging set up once for every process: JSON lines for services, readable lines for the CLI.

Clinical safety: log records may carry only allowlisted keys (ids, topic, partition, offset,
counts, durations). Any other key is dropped before rendering, so a stray ``name=`` or
``nhs_number=`` never reaches a log file. Free text goes in ``event`` and must not hold PHI.

Text we do not write ourselves (libraries' stdlib log messages, exception messages and
tracebacks) is scrubbed before it is written: anything shaped like an NHS number, a date or a
UK postcode is replaced (:func:`scrub`). Names cannot be recognised that way, which is why
library loggers stay at WARNING and above.
"""

from __future__ import annotations

import io
import json
import logging
import re
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
        "forged",  # events refused for a forged organisation (a count)
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
        # planning feed and store: counts only
        "left_out",
        "commands",
        "skipped",
        "removed",
    }
)
DROPPED_MARKER = "dropped_keys"

_SCRUBBED = (
    (re.compile(r"(?<![\d.])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\d.])"), "<number>"),
    (re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)"), "<date>"),  # also in 1984-03-07T00:00
    (re.compile(r"\b(?:date|datetime)\(\d{4}, \d{1,2}, \d{1,2}[^)]*\)"), "<date>"),  # reprs
    (re.compile(r"(?<!\d)(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)"), "<date>"),
    (re.compile(r"\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b"), "<date>"),
    (re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", re.IGNORECASE), "<postcode>"),
)


def scrub(text: str) -> str:
    """``text`` with NHS-number-, date- and postcode-shaped parts replaced."""
    for pattern, replacement in _SCRUBBED:
        text = pattern.sub(replacement, text)
    return text


def scrub_exception(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor (after ``format_exc_info``): scrub the rendered exception."""
    if isinstance(event_dict.get("exception"), str):
        event_dict["exception"] = scrub(event_dict["exception"])
    return event_dict


def _plain_scrubbed_traceback(sio: Any, exc_info: Any) -> None:
    """Plain traceback (rich ones print local variables, which may hold patient data),
    scrubbed like every text we did not write."""
    buffer = io.StringIO()
    structlog.dev.plain_traceback(buffer, exc_info)
    sio.write(scrub(buffer.getvalue()))


class ScrubbingFormatter(logging.Formatter):
    """stdlib formatter for library records: the whole rendered record is scrubbed; in JSON
    mode it is one JSON object per line, like structlog's own records."""

    def __init__(self, mode: Mode = "console") -> None:
        super().__init__("%(name)s %(levelname)s %(message)s")
        self._mode = mode

    def format(self, record: logging.LogRecord) -> str:
        text = scrub(super().format(record))
        if self._mode != "json":
            return text
        return json.dumps(
            {
                "event": scrub(record.getMessage()),
                "logger": record.name,
                "level": record.levelname.lower(),
                "exception": scrub(self.formatException(record.exc_info))
                if record.exc_info
                else None,
            }
        )


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
        return [
            *shared,
            structlog.processors.format_exc_info,
            scrub_exception,
            structlog.processors.JSONRenderer(),
        ]
    renderer = structlog.dev.ConsoleRenderer(
        colors=sys.stderr.isatty(), exception_formatter=_plain_scrubbed_traceback
    )
    return [*shared, renderer]


def configure_logging(mode: Mode = "console", level: str = "INFO") -> None:
    """Configure structlog (and the stdlib root logger libraries use) for this process."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    handler = logging.StreamHandler(_CurrentStderr())
    handler.setFormatter(ScrubbingFormatter(mode))
    logging.basicConfig(handlers=[handler], level=max(numeric, logging.WARNING), force=True)
    structlog.configure(
        processors=_processors(mode),
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )


def get_logger(name: str | None = None) -> Any:
    """Return a structlog logger bound to ``name`` (the module's ``__name__``)."""
    return structlog.get_logger(name) if name else structlog.get_logger()
