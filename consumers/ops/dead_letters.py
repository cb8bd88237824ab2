"""Dead letters as operators see them: where each failed, at which stage, why, and whether it
was re-driven already. Pure.

A dead letter on ``mcr.dlq`` keeps the original key, value and headers and adds the
``mcr.dlq.*`` headers (``schemas.dead_letters``). Re-driving sends the original message back
to the topic it failed on (original key, so the same partition and order; original headers,
plus ``mcr.redriven.from``) exactly once: every re-drive is recorded on the re-drive log topic,
keyed by the dead letter's own position, and a recorded letter is never sent again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mcr.core.topic_reader import LoggedMessage
from schemas.dead_letters import DLQ_HEADER_NAMES
from schemas.events import DLQ_OFFSET, DLQ_PARTITION, DLQ_REASON, DLQ_STAGE, DLQ_TOPIC_HEADER

__all__ = [
    "REDRIVEN_FROM",
    "Letter",
    "Selection",
    "letter_of",
    "redrive_headers",
    "redrive_key",
    "select",
    "summarise",
]

REDRIVEN_FROM = "mcr.redriven.from"


@dataclass(frozen=True)
class Letter:
    """One dead letter: its own position on the dead-letter topic, where and why it failed,
    and the original message (never shown: it may hold patient data)."""

    dlq_partition: int
    dlq_offset: int
    at_ms: int
    stage: str
    reason: str
    topic: str
    partition: int | None
    offset: int | None
    key: bytes | None
    value: bytes | None
    original_headers: tuple[tuple[str, bytes], ...]

    @property
    def position(self) -> str:
        """``<dlq partition>:<dlq offset>``, the letter's id."""
        return f"{self.dlq_partition}:{self.dlq_offset}"


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None


def letter_of(message: LoggedMessage) -> Letter:
    """The letter a dead-letter message holds (unknown parts left empty, never guessed)."""
    original = tuple((k, v) for k, v in message.headers if k not in DLQ_HEADER_NAMES)
    return Letter(
        message.partition, message.offset, message.timestamp_ms,
        message.header(DLQ_STAGE) or "", message.header(DLQ_REASON) or "",
        message.header(DLQ_TOPIC_HEADER) or "", _int(message.header(DLQ_PARTITION)),
        _int(message.header(DLQ_OFFSET)), message.key, message.value, original,
    )  # fmt: skip


@dataclass(frozen=True)
class Selection:
    """Which letters: by stage, by reason (exact, or a prefix ending in ``*``), by position on
    the dead-letter topic (partition and an inclusive offset range)."""

    stage: str | None = None
    reason: str | None = None
    partition: int | None = None
    from_offset: int | None = None
    to_offset: int | None = None

    def takes(self, letter: Letter) -> bool:
        """True when ``letter`` is selected."""
        if self.stage is not None and letter.stage != self.stage:
            return False
        if self.reason is not None and not _reason_matches(self.reason, letter.reason):
            return False
        if self.partition is not None and letter.dlq_partition != self.partition:
            return False
        low = self.from_offset if self.from_offset is not None else 0
        high = self.to_offset if self.to_offset is not None else letter.dlq_offset
        return low <= letter.dlq_offset <= high


def _reason_matches(wanted: str, reason: str) -> bool:
    return reason.startswith(wanted[:-1]) if wanted.endswith("*") else reason == wanted


def select(letters: Iterable[Letter], selection: Selection) -> list[Letter]:
    """The selected letters, in dead-letter-topic order."""
    return sorted(
        (letter for letter in letters if selection.takes(letter)),
        key=lambda letter: (letter.dlq_partition, letter.dlq_offset),
    )


def summarise(letters: Sequence[Letter], redriven: frozenset[str]) -> list[dict[str, object]]:
    """Counts by stage and reason (with how many were re-driven), most first."""
    counts = Counter((letter.stage, letter.reason) for letter in letters)
    done = Counter((letter.stage, letter.reason) for letter in letters
                   if letter.position in redriven)  # fmt: skip
    return [
        {"stage": stage, "reason": reason, "count": count, "redriven": done[(stage, reason)]}
        for (stage, reason), count in counts.most_common()
    ]


def redrive_key(letter: Letter) -> bytes:
    """The key of the letter's record on the re-drive log."""
    return letter.position.encode()


def redrive_headers(letter: Letter, dlq_topic: str) -> list[tuple[str, bytes]]:
    """The original headers plus where the message was re-driven from."""
    origin = f"{dlq_topic}:{letter.position}".encode()
    return [*letter.original_headers, (REDRIVEN_FROM, origin)]
