"""Dead letters as operators see them: parsed from their headers, selected, summarised, and
re-driven with their original headers plus where they came from."""

from __future__ import annotations

import pytest

from consumers.ops.dead_letters import (
    Letter,
    Selection,
    letter_of,
    redrive_headers,
    select,
    summarise,
)
from mcr.core.topic_reader import LoggedMessage
from schemas.dead_letters import DeadLetter, dead_letter_headers


def _letter(offset: int, reason: str = "DecodeError", stage: str = "identity") -> Letter:
    original = DeadLetter(b"v", b"k", [("trace", b"t1")], "mcr.source.result", 3, 40 + offset,
                          reason)  # fmt: skip
    headers = tuple(dead_letter_headers(original, stage=stage))
    return letter_of(LoggedMessage("mcr.dlq", 0, offset, 1_700_000_000_000, b"k", b"v", headers))


def test_a_letter_keeps_where_and_why_it_failed_and_its_original_headers() -> None:
    """Stage, reason, original topic, partition and offset come from the mcr.dlq.* headers;
    the original headers are kept apart from them."""
    letter = _letter(5, "DocumentError:header.record_version", "projection.record")
    assert (letter.position, letter.stage, letter.reason) == (
        "0:5", "projection.record", "DocumentError:header.record_version",
    )  # fmt: skip
    assert (letter.topic, letter.partition, letter.offset) == ("mcr.source.result", 3, 45)
    assert letter.original_headers == (("trace", b"t1"),)


def test_a_message_without_dlq_headers_is_a_letter_with_nowhere_to_go() -> None:
    """Unknown parts stay empty: never guessed."""
    letter = letter_of(LoggedMessage("mcr.dlq", 1, 7, 0, None, b"x", ()))
    assert (letter.topic, letter.partition, letter.offset, letter.reason) == ("", None, None, "")


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (Selection(), ["0:1", "0:2", "0:3"]),
        (Selection(reason="DecodeError"), ["0:1", "0:3"]),
        (Selection(reason="Document*"), ["0:2"]),
        (Selection(stage="consent"), ["0:2"]),
        (Selection(from_offset=2, to_offset=3), ["0:2", "0:3"]),
        (Selection(partition=1), []),
    ],
)
def test_selection_by_reason_stage_and_offsets(selection: Selection, expected: list[str]) -> None:
    """Reasons match exactly or by a prefix ending in *, offsets inclusively."""
    letters = [_letter(3), _letter(1), _letter(2, "DocumentError:x", "consent")]
    assert [x.position for x in select(letters, selection)] == expected


def test_summary_counts_by_stage_and_reason_with_what_was_redriven() -> None:
    """Most frequent first; re-driven letters counted per group."""
    letters = [_letter(1), _letter(2), _letter(3, "DocumentError:x", "consent")]
    assert summarise(letters, frozenset({"0:2"})) == [
        {"stage": "identity", "reason": "DecodeError", "count": 2, "redriven": 1},
        {"stage": "consent", "reason": "DocumentError:x", "count": 1, "redriven": 0},
    ]


def test_redrive_headers_are_the_original_ones_plus_the_origin() -> None:
    """No mcr.dlq.* header goes back; mcr.redriven.from names the letter."""
    assert redrive_headers(_letter(4), "mcr.dlq") == [
        ("trace", b"t1"), ("mcr.redriven.from", b"mcr.dlq:0:4"),
    ]  # fmt: skip
