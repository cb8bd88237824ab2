"""Dead letters: the reason and the headers every stage sends."""

from __future__ import annotations

import pytest

from projections.record.errors import DocumentError
from schemas.dead_letters import DeadLetter, dead_letter_headers, reason_of
from schemas.errors import CorruptEventError, EncodeError

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
