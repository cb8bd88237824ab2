"""A consumed Kafka message as a plain value, for the stages that read one topic in batches
(the consent stage, the planning store), so their pure code never touches a Kafka client."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.dead_letters import Headers

__all__ = ["InboundMessage"]


@dataclass(frozen=True)
class InboundMessage:
    """One consumed message and where it was read."""

    key: bytes | None
    value: bytes | None
    headers: Headers
    topic: str
    partition: int
    offset: int
