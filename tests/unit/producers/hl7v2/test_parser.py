"""ER7 parsing of one message: delimiters, tree, accessors, explicit null and round trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from producers.hl7v2.errors import Er7SyntaxError
from producers.hl7v2.escaping import Delimiters
from producers.hl7v2.message import Message, Repetition, Segment
from producers.hl7v2.parser import parse_delimiters, parse_message, serialise, split_segments

from .builders import read_fixture


def test_repetitions_components_and_subcomponents_of_python_hl7_sample() -> None:
    """rep_sample_hl7: PID-3 has subcomponents, PID-4 two repetitions (as python-hl7 reads)."""
    message = parse_message(split_segments(read_fixture("python-hl7/rep_sample_hl7.hl7")))
    pid = message.segments[1]
    assert pid.get(1) == "Field1"
    assert pid.get(3, 2, 1) == "Sub-Component1"
    assert pid.get(3, 2, 2) == "Sub-Component2"
    assert pid.get(3, 3) == "Component3"
    assert [rep.get(1) for rep in pid.repetitions(4)] == ["Repeat1", "Repeat2"]


def test_msh_fields_are_numbered_as_in_the_standard() -> None:
    """MSH-1 is the field separator, MSH-2 the encoding characters, MSH-9 the type."""
    message = parse_message(["MSH|^~\\&|LAB|RC971|||20240101||ORU^R01|C1|P|2.4"])
    assert message.msh.get(1) == "|"
    assert message.msh.get(2) == "^~\\&"
    assert message.msh.get(9, 2) == "R01"
    assert message.msh.get(10) == "C1"


def test_non_standard_delimiters_from_msh() -> None:
    """MSH-1 ``$`` and MSH-2 ``%~\\&`` are honoured (python-hl7 nonstandard separators)."""
    message = parse_message(["MSH$%~\\&$GHH LAB", "PID$$$555$$EVERYWOMAN%EVE%E%%%L"])
    assert message.segments[1].get(5, 2) == "EVE"
    assert message.delimiters.field == "$"


def test_truncation_character_of_v27_is_read_and_written_back() -> None:
    """MSH-2 ``^~\\&#`` (v2.7) parses and serialises unchanged."""
    text = "MSH|^~\\&#|A|B\rPID|1||X^^^Y\r"
    message = parse_message(split_segments(text))
    assert message.delimiters.truncation == "#"
    assert serialise(message) == text


def test_escaped_delimiters_do_not_split_values() -> None:
    """``\\S\\`` inside a component is a literal ``^``, not a new component."""
    message = parse_message(["MSH|^~\\&|A", "NTE|1||5 \\S\\ 3 \\T\\ 2"])
    assert message.segments[1].get(3) == "5 ^ 3 & 2"


@pytest.mark.parametrize(
    ("field", "expected"),
    [('""', None), ("", None), ("  ", None), (" A ", "A"), ('X^""^Z', "X")],
)
def test_explicit_null_and_blanks_read_as_none(field: str, expected: str | None) -> None:
    """HL7's explicit null ``""`` and blank values read as None; values are stripped."""
    message = parse_message(["MSH|^~\\&|A", f"PID|1|{field}"])
    assert message.segments[1].get(2) == expected


def test_explicit_null_is_kept_for_round_trip() -> None:
    """``""`` stays in the tree so a message is written back unchanged."""
    text = 'MSH|^~\\&|A\rPV1|1|""|X\r'
    assert serialise(parse_message(split_segments(text))) == text


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("MSH|a\rPID|b\r", ["MSH|a", "PID|b"]),
        ("MSH|a\nPID|b\n", ["MSH|a", "PID|b"]),
        ("MSH|a\r\nPID|b\r\n", ["MSH|a", "PID|b"]),
        ("\ufeffMSH|a\r\n\r\nPID|b", ["MSH|a", "PID|b"]),
    ],
)
def test_segment_separators_and_bom(text: str, lines: list[str]) -> None:
    """CR, LF and CRLF all separate segments; a BOM and blank lines are ignored."""
    assert split_segments(text) == lines


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("MSH", "MSH-1: field separator missing or not a symbol"),
        ("MSHA^~\\&", "MSH-1: field separator missing or not a symbol"),
        ("MSH|^|A", "MSH-2: encoding characters must be 2-5 distinct symbols"),
        ("MSH|^^\\&|A", "MSH-2: encoding characters must be 2-5 distinct symbols"),
        ("MSH|^~\\&x|A", "MSH-2: encoding characters must be 2-5 distinct symbols"),
    ],
)
def test_bad_msh_delimiters_are_refused(header: str, reason: str) -> None:
    """An MSH without usable delimiters is not ER7; the reason names MSH-1 or MSH-2."""
    with pytest.raises(Er7SyntaxError, match=f"^{reason}$"):
        parse_delimiters(header)


def test_bad_segment_name_is_refused() -> None:
    """A line that is not a segment names its position, never its content."""
    with pytest.raises(Er7SyntaxError, match=r"^segment 2: name must be 3 capital letters"):
        parse_message(["MSH|^~\\&|A", "hello world, Jane Smith"])


def test_message_must_start_with_msh() -> None:
    """The first segment of a message must be MSH."""
    with pytest.raises(Er7SyntaxError, match=r"^MSH: message must start with a message header$"):
        parse_message(["PID|1"])


_leaf = st.text(st.characters(codec="utf-8"), max_size=8)
_component = st.lists(_leaf, min_size=1, max_size=3).map(tuple)
_repetition = st.lists(_component, min_size=1, max_size=3).map(
    lambda components: Repetition(tuple(components))
)
_field = st.lists(_repetition, min_size=1, max_size=2).map(tuple)
_segment = st.builds(
    Segment,
    name=st.from_regex(r"[A-Z][A-Z0-9]{2}", fullmatch=True).filter(lambda n: n != "MSH"),
    fields=st.lists(_field, max_size=4).map(tuple),
)


@given(st.lists(_segment, max_size=4), st.lists(_field, max_size=4))
def test_parse_inverts_serialise(
    segments: list[Segment], msh_rest: list[tuple[Repetition, ...]]
) -> None:
    """parse(serialise(m)) == m for any message tree, whatever text its leaves hold."""
    delimiters = Delimiters()
    msh = Segment("MSH", (_literal("|"), _literal("^~\\&"), *msh_rest))
    message = Message(delimiters, (msh, *segments))
    assert parse_message(split_segments(serialise(message))) == message


def _literal(value: str) -> tuple[Repetition, ...]:
    return (Repetition(((value,),)),)
