"""The dead-letter sender never drops a letter."""

from __future__ import annotations

import pytest

from projections.dlq import DeadLetterError, DeadLetterSender
from schemas.dead_letters import DeadLetter
from tests.unit.projections.fakes import FakeProducer

LETTER = DeadLetter(b"\x00bad", b"P1", [("mcr.person_id", b"P1"), ("mcr.dlq.reason", b"old")],
                    "mcr.linked", 2, 99, "CorruptEventError")  # fmt: skip


def test_sender_resends_failed_letters_until_acknowledged() -> None:
    """A failed delivery is produced again; ensure_delivered returns once all are acknowledged."""
    producer = FakeProducer(failing=1)
    sender = DeadLetterSender(producer, topic="mcr.dlq", stage="projection.record")
    sender.send(LETTER)
    sender.ensure_delivered(timeout_s=1)
    assert (len(producer.produced), sender.sent) == (2, 1)
    assert producer.produced[1]["value"] == b"\x00bad"


def test_sender_raises_when_letters_stay_undelivered() -> None:
    """When the broker never acknowledges, the caller learns it (and must not commit)."""
    sender = DeadLetterSender(FakeProducer(stuck=True), topic="mcr.dlq", stage="projection.record")
    sender.send(LETTER)
    with pytest.raises(DeadLetterError, match="1 dead letters undelivered"):
        sender.ensure_delivered(timeout_s=0.05)
