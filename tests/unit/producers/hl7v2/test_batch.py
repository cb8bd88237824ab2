"""Batch and file envelopes (FHS/BHS ... BTS/FTS): splitting and framing rules."""

from __future__ import annotations

import pytest

from producers.hl7v2.batch import split_document
from producers.model import Rejection

from .builders import message, msh, pid, read_fixture

ORPHAN_EVN = "EVN: segment outside a message (no MSH before it)"
ORPHAN_PID = "PID: segment outside a message (no MSH before it)"
BTS_MISMATCH = "BTS-1: batch message count disagrees with the content (messages may be missing)"
FTS_MISMATCH = "FTS-1: file batch count disagrees with the content (messages may be missing)"
NESTED_BHS = "BHS: batch header inside an open batch (BTS missing)"


@pytest.mark.parametrize(
    ("sample", "messages"),
    [
        ("sample_hl7.hl7", 1),
        ("sample_msh.hl7", 1),
        ("rep_sample_hl7.hl7", 1),
        ("sample_batch.hl7", 1),
        ("sample_batch1.hl7", 2),
        ("sample_batch2.hl7", 2),
        ("sample_batch3.hl7", 1),
        ("sample_batch4.hl7", 1),
        ("sample_file.hl7", 1),
        ("sample_file1.hl7", 3),
        ("sample_file2.hl7", 2),
        ("sample_file3.hl7", 1),
        ("sample_file4.hl7", 1),
        ("sample_file5.hl7", 1),
        ("sample_file6.hl7", 1),
    ],
)
def test_python_hl7_messages_batches_and_files_split_cleanly(sample: str, messages: int) -> None:
    """Every good python-hl7 sample splits into its messages with no framing rejection."""
    envelope = split_document(read_fixture(f"python-hl7/{sample}"))
    assert envelope.rejections == []
    assert len(envelope.messages) == messages
    assert all(m.lines[0].startswith("MSH") for m in envelope.messages)
    assert [m.number for m in envelope.messages] == list(range(1, messages + 1))


@pytest.mark.parametrize(
    ("sample", "rejections"),
    [
        (
            "sample_bad_batch.hl7",
            [Rejection("segments 2-6", ORPHAN_EVN), Rejection("segment 7", BTS_MISMATCH)],
        ),
        (
            "sample_bad_batch1.hl7",
            [Rejection("segment 4", NESTED_BHS), Rejection("segments 5-8", ORPHAN_PID)],
        ),
        (
            "sample_bad_file.hl7",
            [Rejection("segments 3-7", ORPHAN_EVN), Rejection("segment 8", BTS_MISMATCH)],
        ),
        (
            "sample_bad_file1.hl7",
            [Rejection("segment 5", NESTED_BHS), Rejection("segments 6-9", ORPHAN_PID)],
        ),
        (
            "sample_bad_file2.hl7",
            [
                Rejection("segment 5", "FHS: second file header (one file per input)"),
                Rejection("segments 6-9", ORPHAN_PID),
            ],
        ),
        (
            "sample_bad_file3.hl7",
            [Rejection("segments 2-6", ORPHAN_EVN), Rejection("segment 7", FTS_MISMATCH)],
        ),
    ],
)
def test_python_hl7_bad_batches_and_files_are_rejected(
    sample: str, rejections: list[Rejection]
) -> None:
    """Missing MSH, a second BHS or FHS, and counts that disagree are each rejected."""
    assert split_document(read_fixture(f"python-hl7/{sample}")).rejections == rejections


def _adt(control_id: str) -> str:
    return message(msh("ADT^A31", control_id), pid()).rstrip("\r")


@pytest.mark.parametrize("separator", ["\r", "\n", "\r\n"])
def test_batch_splits_the_same_whatever_the_segment_separator(separator: str) -> None:
    """A batch with CR, LF or CRLF separators gives the same messages."""
    lines = ["BHS|^~\\&|PAS", _adt("A"), _adt("B"), "BTS|2"]
    text = separator.join("\r".join(lines).split("\r"))
    envelope = split_document(text)
    assert envelope.rejections == []
    assert [m.lines[0].split("|")[9] for m in envelope.messages] == ["A", "B"]


def test_count_mismatch_is_rejected_but_present_messages_are_kept() -> None:
    """BTS-1 says 3 but 2 messages arrived: one rejection, and both messages still mapped."""
    envelope = split_document("\r".join(["BHS|^~\\&", _adt("A"), _adt("B"), "BTS|3"]))
    assert envelope.rejections == [Rejection("segment 6", BTS_MISMATCH)]
    assert len(envelope.messages) == 2


@pytest.mark.parametrize(
    ("lines", "rejection"),
    [
        (
            ["BHS|^~\\&", "MSH|^~\\&|A", "BTS|two"],
            Rejection("segment 3", "BTS-1: batch message count is not a whole number"),
        ),
        (
            ["MSH|^~\\&|A", "FHS|^~\\&"],
            Rejection("segment 2", "FHS: file header must be the first segment"),
        ),
        (
            ["FHS|^~\\&", "MSH|^~\\&|A", "FTS|1", "MSH|^~\\&|B"],
            Rejection("segment 4", "MSH: segment after the file trailer (FTS)"),
        ),
        (["  ", ""], Rejection("input", "input: no HL7 segments")),
    ],
)
def test_other_framing_faults(lines: list[str], rejection: Rejection) -> None:
    """Bad counts, a late FHS, content after FTS and empty input are each one rejection."""
    assert split_document("\r".join(lines)).rejections == [rejection]


def test_mllp_framing_characters_are_removed() -> None:
    """VT before and FS CR after a message (MLLP framing saved to disk) are ignored."""
    envelope = split_document("\x0b" + _adt("A") + "\x1c\r")
    assert envelope.rejections == []
    assert envelope.messages[0].lines[-1].startswith("PID")


def test_empty_trailer_count_is_not_checked() -> None:
    """A BTS without a count is accepted."""
    assert split_document("\r".join(["BHS|^~\\&", _adt("A"), "BTS|"])).rejections == []
