"""Dead letters: reason, headers, and a sender that never drops a letter."""

from __future__ import annotations

import pytest

from projections.dlq import (
    DeadLetter,
    DeadLetterError,
    DeadLetterSender,
    dead_letter_headers,
    reason_of,
)
from projections.record.errors import DocumentError
from schemas.errors import CorruptEventError, EncodeError
from tests.unit.projections.fakes import FakeProducer

LETTER = DeadLetter(b"\x00bad", b"P1", [("mcr.person_id", b"P1"), ("mcr.dlq.reason", b"old")],
                    "mcr.linked", 2, 99, "CorruptEventError")  # fmt: skip


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (CorruptEventError("missing marker"), "CorruptEventError"),
        (DocumentError("x", field="header.org"), "DocumentError:header.org"),
        (EncodeError("x", schema_name="result", path="code.system"), "EncodeError:code.system"),
        (ValueError("Alexa Testpatient"), "ValueError"),
    ],
)
def test_reason_is_error_class_plus_field(error: Exception, expected: str) -> None:
    """The reason names the class and field, never the message (which may quote values)."""
    assert reason_of(error) == expected


def test_headers_keep_originals_and_replace_earlier_dlq_headers() -> None:
    """Original headers survive, earlier DLQ headers are replaced by this stage's."""
    assert dead_letter_headers(LETTER, stage="projection.record") == [
        ("mcr.person_id", b"P1"),
        ("mcr.dlq.reason", b"CorruptEventError"),
        ("mcr.dlq.stage", b"projection.record"),
        ("mcr.dlq.topic", b"mcr.linked"),
        ("mcr.dlq.partition", b"2"),
        ("mcr.dlq.offset", b"99"),
    ]


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
