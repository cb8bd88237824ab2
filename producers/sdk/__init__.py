"""Producer SDK for source systems: validate, encode and publish source events to Kafka.

Typical use::

    from producers.sdk import Publisher, PublisherConfig

    with Publisher(PublisherConfig.from_env()) as publisher:
        publisher.publish(event)            # raises ValidationError before anything is sent
    # leaving the block flushes: every event delivered or reported in publisher.stats

``Publisher`` (in :mod:`producers.sdk.publisher`) is imported lazily so pure callers (the
validators, the CLI's dry run) never load the Kafka client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from producers.sdk.delivery import DeliveryCallback, DeliveryReport, PublishStats
from producers.sdk.errors import (
    ConfigError,
    FlushTimeoutError,
    PublisherClosedError,
    PublishError,
    QueueFullError,
    SdkError,
    SourceFileError,
    ValidationError,
)
from producers.sdk.settings import PublisherConfig
from producers.sdk.validation import event_problems, validate_event
from schemas.conformance import FieldProblem

if TYPE_CHECKING:
    from producers.sdk.publisher import Publisher

__all__ = [
    "ConfigError",
    "DeliveryCallback",
    "DeliveryReport",
    "FieldProblem",
    "FlushTimeoutError",
    "PublishError",
    "PublishStats",
    "Publisher",
    "PublisherClosedError",
    "PublisherConfig",
    "QueueFullError",
    "SdkError",
    "SourceFileError",
    "ValidationError",
    "event_problems",
    "validate_event",
]


def __getattr__(name: str) -> Any:
    if name == "Publisher":
        from producers.sdk.publisher import Publisher  # noqa: PLC0415 (keeps Kafka lazy)

        return Publisher
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
