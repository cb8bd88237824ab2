"""Dead letters, the pipeline-wide contract: an event that can never be processed goes to
``mcr.dlq`` with its original bytes, key and headers, plus why, where and from which stage.

Pure. Every stage builds its dead-letter headers here (identity, consent, the record
projection); the thin producers that send them stay with the stages
(``projections.dlq.DeadLetterSender``, the faust agents).

Reason header: the error class, plus ``:<field path>`` when the error names one
(``DocumentError:header.record_version``). Never a value: values may be PHI.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.events import (
    DLQ_OFFSET,
    DLQ_PARTITION,
    DLQ_REASON,
    DLQ_STAGE,
    DLQ_TOPIC_HEADER,
)

__all__ = [
    "DLQ_HEADER_NAMES",
    "DeadLetter",
    "Headers",
    "dead_letter_headers",
    "reason_of",
]

Headers = list[tuple[str, bytes]]
DLQ_HEADER_NAMES = frozenset({DLQ_REASON, DLQ_STAGE, DLQ_TOPIC_HEADER, DLQ_PARTITION, DLQ_OFFSET})
_FIELD_ATTRIBUTES = ("field", "path")


@dataclass(frozen=True)
class DeadLetter:
    """One message that a stage gives up on, and where it came from."""

    value: bytes | None
    key: bytes | None
    headers: Headers
    topic: str
    partition: int
    offset: int
    reason: str


def reason_of(error: BaseException) -> str:
    """``<ErrorClass>`` or ``<ErrorClass>:<field>`` for errors that carry a field path."""
    for attribute in _FIELD_ATTRIBUTES:
        field = getattr(error, attribute, None)
        if isinstance(field, str) and field:
            return f"{type(error).__name__}:{field}"
    return type(error).__name__


def dead_letter_headers(letter: DeadLetter, *, stage: str) -> Headers:
    """The original headers (minus any earlier DLQ headers) followed by the DLQ headers."""
    kept = [(name, value) for name, value in letter.headers if name not in DLQ_HEADER_NAMES]
    return [
        *kept,
        (DLQ_REASON, letter.reason.encode()),
        (DLQ_STAGE, stage.encode()),
        (DLQ_TOPIC_HEADER, letter.topic.encode()),
        (DLQ_PARTITION, str(letter.partition).encode()),
        (DLQ_OFFSET, str(letter.offset).encode()),
    ]
