"""Errors of the producer SDK. Messages carry field paths, rules and Kafka error names only::

    McrError
    └── SdkError                     anything the producer SDK refuses or fails to do
        ├── ConfigError              a producer setting is malformed (also a SettingsError)
        ├── ValidationError          an event broke the contract; ``problems`` lists every one
        ├── SourceFileError          an input file could not be read or decoded as text
        └── PublishError             the event could not be handed to Kafka
            ├── PublisherClosedError publish after close()
            ├── QueueFullError       the local queue stayed full past the configured wait
            └── FlushTimeoutError    events still undelivered when flush() gave up

Encoding problems that validation did not catch surface as ``schemas.errors.EncodeError``.
"""

from __future__ import annotations

from collections.abc import Sequence

from mcr.core.errors import McrError
from mcr.core.settings import SettingsError
from schemas.conformance import FieldProblem


class SdkError(McrError):
    """Root of every error raised by ``producers.sdk``."""


class ConfigError(SdkError, SettingsError):
    """A producer setting is malformed; the message names the setting, never a secret."""


class ValidationError(SdkError):
    """An event failed validation; nothing of it was sent.

    ``problems`` holds every problem found (not just the first), each a path and a rule.
    """

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems: list[FieldProblem] = list(problems)
        count = len(self.problems)
        listed = "; ".join(str(problem) for problem in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''}: {listed}")


class SourceFileError(SdkError):
    """An input file could not be read, or is not text in the expected encoding."""


class PublishError(SdkError):
    """Kafka did not accept an event for delivery."""


class PublisherClosedError(PublishError):
    """The publisher was used after close()."""


class QueueFullError(PublishError):
    """The producer's local queue stayed full for longer than the configured wait."""


class FlushTimeoutError(PublishError):
    """flush() returned with events still awaiting a delivery report."""

    def __init__(self, remaining: int, timeout_s: float) -> None:
        super().__init__(f"{remaining} events still in flight after {timeout_s:g} s")
        self.remaining = remaining
