"""Escape sequences of ER7 text (HL7 v2 chapter 2.7)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from producers.hl7v2.escaping import Delimiters, escape, unescape

CUSTOM = Delimiters(field="#", component="$", repetition="*", escape="/", subcomponent="%")


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("A\\F\\B", "A|B"),
        ("A\\S\\B", "A^B"),
        ("A\\T\\B", "A&B"),
        ("A\\R\\B", "A~B"),
        ("C:\\E\\temp", "C:\\temp"),
        ("\\X0D\\", "\r"),
        ("caf\\XC3A9\\", "café"),
        ("caf\\XE9\\", "café"),
        ("line 1\\.br\\line 2", "line 1\nline 2"),
        ("\\H\\bold\\N\\ text", "bold text"),
        ("\\Cxxyy\\kept", "\\Cxxyy\\kept"),
        ("\\Xzz\\", "\\Xzz\\"),
        ("unclosed \\F", "unclosed \\F"),
        ("no escapes", "no escapes"),
    ],
)
def test_unescape_table(raw: str, plain: str) -> None:
    """Each escape sequence becomes its character; unknown or broken ones are kept verbatim."""
    assert unescape(raw) == plain


@pytest.mark.parametrize(
    ("plain", "raw"),
    [
        ("A|B^C&D~E\\F", "A\\F\\B\\S\\C\\T\\D\\R\\E\\E\\F"),
        ("two\r\nlines", "two\\X0D\\\\X0A\\lines"),
        ("plain text", "plain text"),
    ],
)
def test_escape_table(plain: str, raw: str) -> None:
    """Delimiters, CR and LF are written as escape sequences; other text is unchanged."""
    assert escape(plain) == raw


def test_custom_delimiters_escape_with_their_own_characters() -> None:
    """With MSH-2 ``$*/%``, ``/F/`` stands for the field separator ``#``."""
    assert unescape("a/F/b/S/c", CUSTOM) == "a#b$c"
    assert escape("a#b$c/", CUSTOM) == "a/F/b/S/c/E/"


def test_no_escape_character_leaves_text_alone() -> None:
    """When MSH-2 declares no escape character, backslashes are ordinary text."""
    delimiters = Delimiters(escape=None)
    assert unescape("a\\F\\b", delimiters) == "a\\F\\b"
    assert escape("a|b", delimiters) == "a|b"


@given(st.text())
def test_unescape_inverts_escape(text: str) -> None:
    """unescape(escape(s)) == s for every string, with standard delimiters."""
    assert unescape(escape(text)) == text


@given(st.text())
def test_unescape_inverts_escape_with_custom_delimiters(text: str) -> None:
    """The law holds for non-standard delimiters too."""
    assert unescape(escape(text, CUSTOM), CUSTOM) == text


@given(st.text())
def test_escaped_text_holds_no_delimiter(text: str) -> None:
    """Escaped text can be placed in a field: it contains no separator, CR or LF."""
    escaped = escape(text)
    assert not set(escaped) & set("|^&~\r\n")
