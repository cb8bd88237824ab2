"""ER7 text of one message -> :class:`Message`, and back.

The MSH segment declares the delimiters: MSH-1 is the character after ``MSH`` and MSH-2 the
encoding characters up to the next field separator (component, repetition, escape,
subcomponent and, from v2.7, truncation). Segments are split on CR, LF or CRLF. Every leaf is
unescaped after splitting, so escaped delimiters never split a value. ``serialise`` writes
segments joined by CR with every leaf escaped: ``parse(serialise(m)) == m``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from producers.hl7v2.errors import Er7SyntaxError
from producers.hl7v2.escaping import Delimiters, escape, unescape
from producers.hl7v2.message import Field, Message, Repetition, Segment

SEGMENT_SEPARATORS = re.compile(r"\r\n|\r|\n")
SEGMENT_NAME = re.compile(r"[A-Z][A-Z0-9]{2}")


def split_segments(text: str) -> list[str]:
    """The non-blank segment lines of ``text`` (CR, LF or CRLF separated, BOM removed)."""
    return [line for line in SEGMENT_SEPARATORS.split(text.lstrip("\ufeff")) if line.strip()]


def parse_delimiters(header: str) -> Delimiters:
    """The delimiters declared by a header segment (MSH, or BHS/FHS which share its layout)."""
    name = header[:3]
    if len(header) < 4 or header[3].isalnum() or header[3].isspace():
        raise Er7SyntaxError(f"{name}-1", "field separator missing or not a symbol")
    field_sep = header[3]
    encoding = header[4:].split(field_sep, 1)[0]
    if not 2 <= len(encoding) <= 5 or not _distinct_symbols(field_sep + encoding):
        raise Er7SyntaxError(f"{name}-2", "encoding characters must be 2-5 distinct symbols")
    if len(encoding) < 4:
        # MSH-2 without an escape character: "^~&" (component, repetition, subcomponent).
        escape_char = None
        subcomponent = encoding[2] if len(encoding) == 3 else "&"
    else:
        escape_char, subcomponent = encoding[2], encoding[3]
    return Delimiters(
        field=field_sep,
        component=encoding[0],
        repetition=encoding[1],
        escape=escape_char,
        subcomponent=subcomponent,
        truncation=encoding[4] if len(encoding) == 5 else None,
    )


def _distinct_symbols(chars: str) -> bool:
    return len(set(chars)) == len(chars) and not any(c.isalnum() or c.isspace() for c in chars)


def parse_message(lines: Sequence[str]) -> Message:
    """Parse the segment lines of one message (the first must be MSH).

    Raises Er7SyntaxError naming the segment or MSH field that is not well-formed ER7.
    """
    if not lines or not lines[0].startswith("MSH"):
        raise Er7SyntaxError("MSH", "message must start with a message header")
    delimiters = parse_delimiters(lines[0])
    segments = [_parse_msh(lines[0], delimiters)]
    for number, line in enumerate(lines[1:], start=2):
        segments.append(parse_segment(line, delimiters, number=number))
    return Message(delimiters=delimiters, segments=tuple(segments))


def _parse_msh(line: str, delimiters: Delimiters) -> Segment:
    raw_fields = line.split(delimiters.field)
    # raw_fields[0] is "MSH", raw_fields[1] is MSH-2: both are literal, never split or unescaped.
    literal = (_literal(delimiters.field), _literal(raw_fields[1]))
    rest = tuple(_parse_field(raw, delimiters) for raw in raw_fields[2:])
    return Segment(name="MSH", fields=literal + rest)


def _literal(value: str) -> Field:
    return (Repetition(((value,),)),)


def parse_segment(line: str, delimiters: Delimiters, *, number: int) -> Segment:
    """One non-MSH segment line; ``number`` (1-based in the message) names it in errors."""
    name, *raw_fields = line.split(delimiters.field)
    if not SEGMENT_NAME.fullmatch(name):
        raise Er7SyntaxError(f"segment {number}", "name must be 3 capital letters or digits")
    return Segment(name=name, fields=tuple(_parse_field(raw, delimiters) for raw in raw_fields))


def _parse_field(raw: str, d: Delimiters) -> Field:
    return tuple(
        Repetition(
            tuple(
                tuple(unescape(sub, d) for sub in component.split(d.subcomponent))
                for component in repetition.split(d.component)
            )
        )
        for repetition in raw.split(d.repetition)
    )


def serialise(message: Message) -> str:
    """ER7 text of ``message``: segments joined (and ended) by CR, every leaf escaped."""
    d = message.delimiters
    return "".join(_serialise_segment(seg, d) + "\r" for seg in message.segments)


def _serialise_segment(segment: Segment, d: Delimiters) -> str:
    if segment.name == "MSH":
        encoding = segment.fields[1][0].components[0][0]
        rest = [_serialise_field(f, d) for f in segment.fields[2:]]
        return d.field.join(["MSH", encoding, *rest])
    return d.field.join([segment.name, *(_serialise_field(f, d) for f in segment.fields)])


def _serialise_field(field: Field, d: Delimiters) -> str:
    return d.repetition.join(
        d.component.join(
            d.subcomponent.join(escape(sub, d) for sub in component) for component in rep.components
        )
        for rep in field
    )
