"""Field comparisons: each returns an agreement level, best first (Splink-style levels).

Levels are words, not numbers, so evidence reads ``given_name: nickname``. Every comparison is
symmetric (``compare(a, b) == compare(b, a)``), which makes the score symmetric.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType

import jellyfish

from streams.identity.nicknames import are_nicknames
from streams.identity.normalise import Profile

__all__ = [
    "FALLBACK",
    "LEVELS",
    "Comparison",
    "Field",
    "Level",
    "compare",
    "compare_birth_dates",
    "compare_given",
    "compare_postcodes",
    "keying_slip",
    "shared_tokens",
]


class Field(StrEnum):
    """The compared fields, in evidence order."""

    NHS_NUMBER = "nhs_number"
    GIVEN_NAME = "given_name"
    FAMILY_NAME = "family_name"
    BIRTH_DATE = "birth_date"
    SEX = "sex"
    POSTCODE = "postcode"
    ADDRESS = "address"


class Level(StrEnum):
    """Agreement levels. NULL (a side is missing) carries no evidence either way."""

    EXACT = "exact"
    NICKNAME = "nickname"
    TRANSPOSED = "transposed"
    TYPO = "typo"
    FUZZY_HIGH = "fuzzy_high"
    FUZZY = "fuzzy"
    PARTIAL = "partial"
    SECTOR = "sector"
    DISTRICT = "district"
    SWAPPED = "swapped"
    ELSE = "else"
    NULL = "null"


#: The levels each field can take, best agreement first (NULL excluded).
LEVELS: Mapping[Field, tuple[Level, ...]] = MappingProxyType(
    {
        Field.NHS_NUMBER: (Level.EXACT, Level.ELSE),
        Field.GIVEN_NAME: (
            Level.EXACT,
            Level.NICKNAME,
            Level.FUZZY_HIGH,
            Level.FUZZY,
            Level.SWAPPED,
            Level.ELSE,
        ),
        Field.FAMILY_NAME: (Level.EXACT, Level.FUZZY_HIGH, Level.FUZZY, Level.SWAPPED, Level.ELSE),
        Field.BIRTH_DATE: (
            Level.EXACT,
            Level.TRANSPOSED,
            Level.TYPO,
            Level.PARTIAL,
            Level.ELSE,
        ),
        Field.SEX: (Level.EXACT, Level.ELSE),
        Field.POSTCODE: (Level.EXACT, Level.SECTOR, Level.DISTRICT, Level.ELSE),
        Field.ADDRESS: (Level.EXACT, Level.FUZZY_HIGH, Level.PARTIAL, Level.ELSE),
    }
)

#: Levels added after weights files were written, and the level such a file's weight is taken
#: from (the level the same pair fell into before), so an older version scores as it did.
FALLBACK: Mapping[tuple[Field, Level], Level] = MappingProxyType(
    {
        (Field.BIRTH_DATE, Level.TYPO): Level.PARTIAL,
        (Field.ADDRESS, Level.PARTIAL): Level.ELSE,
    }
)

Comparison = Mapping[Field, Level]
"""One level per field: the comparison vector of a pair of records."""

_HIGH, _LOW = 0.92, 0.85


def _similarity(first: str, second: str) -> float:
    return float(jellyfish.jaro_winkler_similarity(first, second))


def compare_given(first: str | None, second: str | None) -> Level:
    """Given names: exact, nickname or short form (Rob/Robert), Jaro-Winkler >= 0.92 / 0.85."""
    if not first or not second:
        return Level.NULL
    if first == second:
        return Level.EXACT
    shorter, longer = sorted((first, second), key=len)
    if are_nicknames(first, second) or (len(shorter) >= 3 and longer.startswith(shorter)):
        return Level.NICKNAME
    return _fuzzy(first, second)


def _fuzzy(first: str, second: str) -> Level:
    similarity = max(_similarity(first, second), _similarity(second, first))
    if similarity >= _HIGH:
        return Level.FUZZY_HIGH
    return Level.FUZZY if similarity >= _LOW else Level.ELSE


def keying_slip(first: str | None, second: str | None) -> bool:
    """Two names one keystroke apart: one letter substituted, added or dropped, or two
    neighbouring letters transposed (KATE/KAWE, JOCK/OJCK, ALI/AI), but not one vowel put for
    another, which is how real names differ (TOM/TIM, AVA/EVA). Names of twins can still be one
    keystroke apart (ELLIE/ELSIE), so the matcher also asks that one of them be no known name."""
    if not first or not second or first == second:
        return False
    if not _one_keystroke_apart(first, second):
        return False
    if len(first) != len(second):
        return True
    differ = [(x, y) for x, y in zip(first, second, strict=True) if x != y]
    return not (len(differ) == 1 and differ[0][0] in _VOWELS and differ[0][1] in _VOWELS)


_VOWELS = frozenset("AEIOUY")


def compare_family(first: str | None, second: str | None) -> Level:
    """Family names: exact (ignoring spaces), one barrel of a double-barrelled name, fuzzy."""
    if not first or not second:
        return Level.NULL
    a, b = first.replace(" ", ""), second.replace(" ", "")
    if a == b:
        return Level.EXACT
    tokens_a, tokens_b = set(first.split()), set(second.split())
    if tokens_a <= tokens_b or tokens_b <= tokens_a:
        return Level.FUZZY_HIGH
    level = _fuzzy(a, b)
    if level is Level.ELSE and jellyfish.nysiis(a) == jellyfish.nysiis(b):
        return Level.FUZZY
    return level


def compare_birth_dates(first: date | None, second: date | None) -> Level:
    """Exact; day and month swapped; one digit of YYYYMMDD wrong or two neighbouring digits
    transposed (typo); two of year/month/day equal (partial); else."""
    if first is None or second is None:
        return Level.NULL
    if first == second:
        return Level.EXACT
    if first.year == second.year and (first.day, first.month) == (second.month, second.day):
        return Level.TRANSPOSED
    if _one_keying_error(f"{first:%Y%m%d}", f"{second:%Y%m%d}"):
        return Level.TYPO
    same = (first.year == second.year) + (first.month == second.month) + (first.day == second.day)
    return Level.PARTIAL if same == 2 else Level.ELSE


def _one_keying_error(a: str, b: str) -> bool:
    """Equal-length strings one substituted character or one adjacent transposition apart."""
    differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(differ) == 1:
        return True
    first, *rest = differ
    return rest == [first + 1] and (a[first], a[first + 1]) == (b[first + 1], b[first])


def compare_postcodes(first: str | None, second: str | None) -> Level:
    """Same unit (LU12AB); same sector (LU1 2); same district (LU1); else."""
    if not first or not second:
        return Level.NULL
    if first == second:
        return Level.EXACT
    outward_a, outward_b = first[:-3], second[:-3]
    if outward_a != outward_b:
        return Level.ELSE
    return Level.SECTOR if first[-3] == second[-3] else Level.DISTRICT


def compare_addresses(first: str | None, second: str | None) -> Level:
    """Exact after normalising; Jaro-Winkler >= 0.92 with or without the spaces (a space
    keyed into or out of a word: MARIBYRNO NG), or one's tokens within the other's
    (fuzzy_high); more than half the shorter address's tokens (and at least two) found in the
    other, equal or, for words of four letters or more, one keystroke away (a misspelt street
    or town), such as the same street and town with a missing flat (partial); else."""
    if not first or not second:
        return Level.NULL
    if first == second:
        return Level.EXACT
    tokens_a, tokens_b = set(first.split()), set(second.split())
    shorter, longer = sorted((tokens_a, tokens_b), key=len)
    if (shorter <= longer and len(shorter) > 1) or _similarity(first, second) >= _HIGH:
        return Level.FUZZY_HIGH
    # a space keyed into or out of a word changes the count of words
    if first.count(" ") != second.count(" ") and (
        _similarity(first.replace(" ", ""), second.replace(" ", "")) >= _HIGH
    ):
        return Level.FUZZY_HIGH
    return Level.PARTIAL if _mostly_shared(shorter, longer) else Level.ELSE


def _mostly_shared(shorter: set[str], longer: set[str]) -> bool:
    """More than half of ``shorter``'s words, and at least two, are in ``longer``: equal, or
    (words of four letters or more; house numbers and short words must agree exactly) one
    keystroke from one of ``longer``'s words that ``shorter`` does not hold."""
    needed = max(2, len(shorter) // 2 + 1)
    shared = len(shorter & longer)
    if shared >= needed:
        return True
    slips = _slip_words(shorter - longer)
    if shared + len(slips) < needed:
        return False
    others = _slip_words(longer - shorter)
    return shared + sum(1 for word in slips if _one_slip_from(word, others)) >= needed


def _slip_words(words: set[str]) -> list[str]:
    return [w for w in words if len(w) >= _MIN_SLIP_WORD and not w.isdigit()]


def _one_slip_from(word: str, others: list[str]) -> bool:
    return any(abs(len(o) - len(word)) <= 1 and _one_keystroke_apart(word, o) for o in others)


@lru_cache(maxsize=1 << 16)
def _one_keystroke_apart(word: str, other: str) -> bool:
    """Damerau-Levenshtein distance 1 (cached: a region's street and town words, and its
    given names, recur across its candidate pairs)."""
    return int(jellyfish.damerau_levenshtein_distance(word, other)) == 1


_MIN_SLIP_WORD = 4


def shared_tokens(first: str | None, second: str | None) -> str | None:
    """The tokens two (normalised) addresses have in common, sorted and space-separated (None
    when either is missing or they share none): what an address agreement's term-frequency
    adjustment is computed from (``scoring``)."""
    if not first or not second:
        return None
    common = set(first.split()) & set(second.split())
    return " ".join(sorted(common)) or None


def _equal(first: str | None, second: str | None) -> Level:
    if not first or not second:
        return Level.NULL
    return Level.EXACT if first == second else Level.ELSE


def _names(a: Profile, b: Profile) -> tuple[Level, Level]:
    family = compare_family(a.family, b.family)
    if a.given_joined and a.given_joined == b.given_joined:
        # A space keyed inside a given name (LY DIA / LYDIA): the same name, not a twin's
        # (FEBRL 4: 8 one-person pairs waited in review on the twin pattern, issue 13).
        return Level.EXACT, family
    given = compare_given(a.given, b.given)
    if given is Level.ELSE and family is Level.ELSE:
        crossed = (compare_given(a.given, b.family), compare_given(a.family, b.given))
        if all(level in (Level.EXACT, Level.FUZZY_HIGH) for level in crossed):
            return Level.SWAPPED, Level.SWAPPED
    return given, family


def compare(a: Profile, b: Profile) -> dict[Field, Level]:
    """The comparison vector of two profiles (symmetric in ``a`` and ``b``)."""
    given, family = _names(a, b)
    return {
        Field.NHS_NUMBER: _equal(a.nhs_number, b.nhs_number),
        Field.GIVEN_NAME: given,
        Field.FAMILY_NAME: family,
        Field.BIRTH_DATE: compare_birth_dates(a.birth_date, b.birth_date),
        Field.SEX: _equal(a.sex, b.sex),
        Field.POSTCODE: compare_postcodes(a.postcode, b.postcode),
        Field.ADDRESS: compare_addresses(a.address, b.address),
    }
