"""Split an HL7 v2 document into messages and check its batch/file envelope.

A document is one message, several messages back to back, a batch (``BHS`` ... ``BTS``) or a
file (``FHS``, batches, ``FTS``). Rules, compatible with python-hl7's batch and file samples:

- every message starts at ``MSH``; segments before any MSH are rejected as one run;
- ``FHS`` may only be the first segment, and only once; a ``BHS`` inside an open batch is
  rejected and ignored (the batch it interrupts goes on);
- a trailer without its header (``BTS`` without ``BHS``, ``FTS`` without ``FHS``) and a header
  without its trailer are accepted: messages without a ``BHS`` form an implicit batch;
- a trailer's count (BTS-1 messages, FTS-1 batches), when given, must match what is present;
  a mismatch is rejected, but the messages that are present are still mapped (they are whole
  messages; the rejection tells the operator that some may be missing);
- segments after ``FTS`` are rejected.

MLLP framing characters (VT, FS) are removed. Nothing here reads a field value beyond the
trailer counts, so no reason can contain patient data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from producers.hl7v2.errors import FramingError
from producers.hl7v2.parser import SEGMENT_NAME, split_segments
from producers.model import Rejection

_MLLP = str.maketrans("", "", "\x0b\x1c")


@dataclass(frozen=True)
class MessageText:
    """The segment lines of one message and its 1-based position in the document."""

    number: int
    lines: list[str]


@dataclass
class Envelope:
    """What splitting a document found: the messages and the framing rejections."""

    messages: list[MessageText] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


@dataclass
class _Walk:
    """State while walking the segments of one document."""

    envelope: Envelope = field(default_factory=Envelope)
    current: list[str] | None = None
    batch_open: bool = False
    implicit_batch: bool = False
    in_batch: int = 0
    batches: int = 0
    file_header: bool = False
    file_closed: bool = False
    orphans: list[int] = field(default_factory=list)
    orphan_name: str = ""


def split_document(text: str) -> Envelope:
    """Messages and framing rejections of one document (see the module docstring)."""
    lines = split_segments(text.translate(_MLLP))
    walk = _Walk()
    if not lines:
        walk.envelope.rejections.append(Rejection("input", "input: no HL7 segments"))
    for number, line in enumerate(lines, start=1):
        try:
            _step(walk, number, line)
        except FramingError as exc:
            walk.envelope.rejections.append(Rejection(f"segment {number}", str(exc)))
    _flush(walk)
    return walk.envelope


def _segment_name(line: str) -> str:
    """The segment name of a line, or ``text`` when the line is not a segment: a reason must
    never quote a fragment of free text, which could be patient data."""
    name, rest = line[:3], line[3:4]
    is_segment = SEGMENT_NAME.fullmatch(name) and (not rest or not rest.isalnum())
    return name if is_segment else "text"


def _step(walk: _Walk, number: int, line: str) -> None:
    name = _segment_name(line)
    if walk.file_closed:
        _flush(walk)
        raise FramingError(name, "segment after the file trailer (FTS)")
    handler = _HANDLERS.get(name)
    if handler is not None:
        _flush(walk)
        handler(walk, number, line)
    elif walk.current is not None:
        walk.current.append(line)
    else:
        _orphan(walk, number, name)


def _orphan(walk: _Walk, number: int, name: str) -> None:
    if not walk.orphans:
        walk.orphan_name = name
    walk.orphans.append(number)


def _flush(walk: _Walk) -> None:
    """Close the message being collected, and report a run of segments outside any message."""
    if walk.current is not None:
        number = len(walk.envelope.messages) + 1
        walk.envelope.messages.append(MessageText(number=number, lines=walk.current))
        walk.current = None
    if walk.orphans:
        first, last = walk.orphans[0], walk.orphans[-1]
        where = f"segment {first}" if first == last else f"segments {first}-{last}"
        what = "segment" if walk.orphan_name != "text" else "not an HL7 segment,"
        reason = f"{walk.orphan_name}: {what} outside a message (no MSH before it)"
        walk.envelope.rejections.append(Rejection(where, reason))
        walk.orphans.clear()


def _on_msh(walk: _Walk, number: int, line: str) -> None:
    if not walk.batch_open and not walk.implicit_batch:
        walk.implicit_batch = True
        walk.in_batch = 0
    walk.in_batch += 1
    walk.current = [line]


def _on_fhs(walk: _Walk, number: int, line: str) -> None:
    if walk.file_header:
        raise FramingError("FHS", "second file header (one file per input)")
    if number != 1:
        raise FramingError("FHS", "file header must be the first segment")
    walk.file_header = True


def _on_bhs(walk: _Walk, number: int, line: str) -> None:
    if walk.batch_open:
        raise FramingError("BHS", "batch header inside an open batch (BTS missing)")
    _close_implicit_batch(walk)
    walk.batch_open = True
    walk.in_batch = 0


def _on_bts(walk: _Walk, number: int, line: str) -> None:
    present = walk.in_batch if (walk.batch_open or walk.implicit_batch) else 0
    walk.batch_open = walk.implicit_batch = False
    walk.batches += 1
    walk.in_batch = 0
    _check_count(line, "BTS-1", present, "batch message count")


def _on_fts(walk: _Walk, number: int, line: str) -> None:
    if walk.batch_open or walk.implicit_batch:
        walk.batches += 1
        walk.batch_open = walk.implicit_batch = False
    walk.file_closed = True
    _check_count(line, "FTS-1", walk.batches, "file batch count")


def _close_implicit_batch(walk: _Walk) -> None:
    if walk.implicit_batch:
        walk.implicit_batch = False
        walk.batches += 1


def _check_count(line: str, name: str, present: int, what: str) -> None:
    """Compare a trailer's count (field 1) with what is present; an empty count is not checked."""
    parts = line.split(line[3], 2) if len(line) > 3 else []
    declared = parts[1].strip() if len(parts) > 1 else ""
    if not declared:
        return
    if not declared.isdigit():
        raise FramingError(name, f"{what} is not a whole number")
    if int(declared) != present:
        raise FramingError(name, f"{what} disagrees with the content (messages may be missing)")


_HANDLERS = {
    "MSH": _on_msh,
    "FHS": _on_fhs,
    "BHS": _on_bhs,
    "BTS": _on_bts,
    "FTS": _on_fts,
}
