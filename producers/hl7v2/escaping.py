"""HL7 v2 delimiters and escape sequences (ER7 encoding, HL7 v2.x chapter 2).

``unescape`` turns the text of one leaf (a subcomponent) into plain text; ``escape`` is its
inverse, so ``unescape(escape(s)) == s`` for every string. Decisions for sequences that are
not delimiters: ``\\Xhh..\\`` is hex data decoded as UTF-8 (Latin-1 when it is not UTF-8);
``\\.br\\`` and ``\\.sp\\`` become a newline; highlighting (``\\H\\``, ``\\N\\``) and the other
formatting commands (``\\.in\\``, ``\\.ti\\``, ...) are dropped because they only change layout;
anything else (character-set switches ``\\C..\\``/``\\M..\\``, local ``\\Z..\\``, an unclosed
escape) is kept verbatim so no text is silently lost.
"""

from __future__ import annotations

from dataclasses import dataclass

_LINE_BREAKS = frozenset({".br", ".sp"})
_LAYOUT_ONLY = frozenset({"H", "N", ".fi", ".nf", ".in", ".ti", ".sk", ".ce"})


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The five ER7 delimiters declared by MSH-1 and MSH-2 (``|`` and ``^~\\&`` by default).

    ``escape`` is ``None`` when MSH-2 declares no escape character; ``truncation`` is the
    optional fifth MSH-2 character of v2.7+ (``#``), kept only to write MSH-2 back unchanged.
    """

    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str | None = "\\"
    subcomponent: str = "&"
    truncation: str | None = None


DEFAULT_DELIMITERS = Delimiters()


def _named_sequences(delimiters: Delimiters) -> dict[str, str]:
    """The delimiter each named escape sequence (``F S T R E``) stands for."""
    named = {
        "F": delimiters.field,
        "S": delimiters.component,
        "T": delimiters.subcomponent,
        "R": delimiters.repetition,
    }
    if delimiters.escape:
        named["E"] = delimiters.escape
    return named


def escape(text: str, delimiters: Delimiters = DEFAULT_DELIMITERS) -> str:
    """``text`` with every delimiter, CR and LF written as an escape sequence."""
    esc = delimiters.escape
    if esc is None:
        return text
    replacements = {
        char: f"{esc}{name}{esc}" for name, char in _named_sequences(delimiters).items()
    }
    replacements["\r"] = f"{esc}X0D{esc}"
    replacements["\n"] = f"{esc}X0A{esc}"
    return "".join(replacements.get(char, char) for char in text)


def unescape(text: str, delimiters: Delimiters = DEFAULT_DELIMITERS) -> str:
    """Plain text of one leaf value: escape sequences replaced (see the module docstring)."""
    esc = delimiters.escape
    if esc is None or esc not in text:
        return text
    named = _named_sequences(delimiters)
    out: list[str] = []
    position = 0
    while (start := text.find(esc, position)) != -1:
        end = text.find(esc, start + 1)
        if end == -1:
            break
        out.append(text[position:start])
        out.append(_decode_sequence(text[start + 1 : end], named, verbatim=text[start : end + 1]))
        position = end + 1
    out.append(text[position:])
    return "".join(out)


def _decode_sequence(body: str, named: dict[str, str], *, verbatim: str) -> str:
    """The text one escape sequence stands for (``body`` is what lies between the escapes)."""
    if body in named:
        return named[body]
    if body in _LINE_BREAKS:
        return "\n"
    if body in _LAYOUT_ONLY:
        return ""
    if body.startswith("X") and len(body) > 1:
        return _decode_hex(body[1:]) or verbatim
    return verbatim


def _decode_hex(digits: str) -> str | None:
    """Hex data as text (UTF-8, else Latin-1), or None when the digits are not hex."""
    try:
        data = bytes.fromhex(digits)
    except ValueError:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
