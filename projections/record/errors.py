"""Errors of the record projection. Messages name the field and the rule, never a value.

The pipeline retries the transient ones with backoff; the others stop the worker::

    McrError
    └── ProjectionError              anything the record projection raises on purpose
        ├── DocumentError            an event cannot become a document (names the field)
        ├── WriteError               OpenSearch refused an operation for good (a bug or config)
        │   └── TransientWriteError  OpenSearch is unreachable, overloaded or timing out: retry
        ├── IndexAdminError          templates, index versions or the alias are not as expected
        ├── DeliveryError            Kafka did not acknowledge a message we produced: retry
        ├── RetryInterruptedError    a stop was requested while waiting to retry
        └── VerifyError              ``mcr record verify`` could not read the log to its end

``CommandError`` (a malformed purge command) belongs to the wire contract
(``schemas.errors``); it is re-exported here for the pipeline that rejects such commands.
"""

from __future__ import annotations

from mcr.core.errors import McrError
from schemas.errors import CommandError

__all__ = [
    "CommandError",
    "DeliveryError",
    "DocumentError",
    "IndexAdminError",
    "ProjectionError",
    "RetryInterruptedError",
    "TransientWriteError",
    "VerifyError",
    "WriteError",
]


class ProjectionError(McrError):
    """Root of every error raised by ``projections.record``."""


class DocumentError(ProjectionError):
    """An event cannot be turned into a document; ``field`` is the offending field path."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class WriteError(ProjectionError):
    """OpenSearch rejected an operation and retrying will not help."""


class TransientWriteError(WriteError):
    """OpenSearch could not take the operation now (down, 429, 5xx, timeout); retry later."""


class IndexAdminError(ProjectionError):
    """The index template, an index version or the alias is missing or inconsistent."""


class DeliveryError(ProjectionError):
    """Kafka did not acknowledge a message the projection produced (a receipt); retry."""


class RetryInterruptedError(ProjectionError):
    """A stop was requested while the worker was waiting to retry."""


class VerifyError(ProjectionError):
    """The log could not be read to its end (a topic is missing, or the read failed)."""
