"""Field comparison levels, and the symmetry law of the comparison vector."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.identity.comparison import (
    Field,
    Level,
    compare,
    compare_addresses,
    compare_birth_dates,
    compare_family,
    compare_given,
    compare_postcodes,
    keying_slip,
    shared_tokens,
)
from streams.identity.demographics import Demographics
from streams.identity.normalise import profile
from tests.unit.streams.identity.people import ANNA, record


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("ROBERT", "ROBERT", Level.EXACT),
        ("ROBERT", "BOB", Level.NICKNAME),
        ("CHRISTOPHER", "CHRIS", Level.NICKNAME),
        ("KATARZYNA", "KASIA", Level.NICKNAME),
        ("OLUWASEUN", "SEUN", Level.NICKNAME),
        ("JACOB", "JAKE", Level.NICKNAME),
        ("CATHERINE", "CATHERNE", Level.FUZZY_HIGH),
        ("THEODORE", "ETHEODROE", Level.FUZZY),
        ("ANNA", "MARIA", Level.ELSE),
        ("ANNA", None, Level.NULL),
    ],
)
def test_given_levels(first: str, second: str | None, expected: Level) -> None:
    """Given names: exact, nickname or short form, Jaro-Winkler bands, else, null."""
    assert compare_given(first, second) is expected


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("SMITH", "SMITH", Level.EXACT),
        ("SMITH JONES", "SMITHJONES", Level.EXACT),
        ("SMITH JONES", "JONES", Level.FUZZY_HIGH),
        ("ALLEN", "ALEN", Level.FUZZY_HIGH),
        ("KOWALSKI", "NOWAK", Level.ELSE),
    ],
)
def test_family_levels(first: str, second: str, expected: Level) -> None:
    """Family names: exact ignoring spaces, one barrel of a double-barrelled name, fuzzy."""
    assert compare_family(first, second) is expected


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (date(1984, 3, 7), date(1984, 3, 7), Level.EXACT),
        (date(1984, 3, 7), date(1984, 7, 3), Level.TRANSPOSED),
        (date(1984, 3, 7), date(1984, 3, 8), Level.TYPO),  # one digit
        (date(1984, 3, 7), date(1948, 3, 7), Level.TYPO),  # two neighbouring digits swapped
        (date(1984, 3, 17), date(1984, 3, 71 - 60), Level.TYPO),  # 17 -> 11: one digit
        (date(1984, 3, 7), date(1994, 3, 7), Level.TYPO),
        (date(1984, 3, 7), date(1984, 3, 28), Level.PARTIAL),  # two digits, not a swap
        (date(1984, 3, 7), date(1987, 3, 4), Level.ELSE),  # two digits apart, year and day
        (date(1984, 3, 7), date(1985, 4, 7), Level.ELSE),
        (date(1984, 3, 7), date(1990, 11, 20), Level.ELSE),
        (date(1984, 3, 7), None, Level.NULL),
    ],
)
def test_birth_date_levels(first: date, second: date | None, expected: Level) -> None:
    """Birth dates: exact, day/month swapped, one keying error, one part differs, else."""
    assert compare_birth_dates(first, second) is expected


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("LU12AB", "LU12AB", Level.EXACT),
        ("LU12AB", "LU12XY", Level.SECTOR),
        ("LU12AB", "LU13AB", Level.DISTRICT),
        ("LU12AB", "MK93PU", Level.ELSE),
        ("LU12AB", None, Level.NULL),
    ],
)
def test_postcode_levels(first: str, second: str | None, expected: Level) -> None:
    """Postcodes: same unit, same sector, same district, else."""
    assert compare_postcodes(first, second) is expected


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("12 HIGH STREET LUTON", "12 HIGH STREET LUTON", Level.EXACT),
        ("12 HIGH STREET", "12 HIGH STREET LUTON", Level.FUZZY_HIGH),
        ("LONDON", "LONON", Level.FUZZY_HIGH),
        ("12 HIGH STREET", "4 MILL LANE", Level.ELSE),
        ("FLAT 2 12 HIGH STREET LUTON", "12 HIHG STREET LUTON", Level.PARTIAL),  # 3 of 4
        ("12 HIGH STREET LUTON", "4 HIGH STREET DUNSTABLE", Level.ELSE),  # 2 of 4: not half
        ("12 HIGH STREET LUTON", "5 MILL STREET LUTON", Level.ELSE),  # 2 of 4
        # spaces keyed into and out of words (FEBRL 4): near once the spaces are gone
        (
            "26 MARIBYRNO NG AVENUE KULIU LEICJHARDT 4578 NSW",
            "26 MARIBYRNONG AVENUE KULIUP LEICHHARDT 4570 NSW",
            Level.FUZZY_HIGH,
        ),
        # a word one keystroke from the other's counts as shared (4 of 5), a number does not
        ("FLAT 3 12 CHURCH ROAD BEDFORD", "12 CHRUCH RAOD BEDFROD MK40", Level.PARTIAL),
        ("APARTMENT 7 12 HIHG STREET LUTON", "FLAT 2 12 HIGH STREEET LUTON", Level.PARTIAL),
        ("FLAT 3 12 CHURCH ROAD BEDFORD", "21 CHURCH ROAD BEDFORD MK40 3AB", Level.ELSE),
        ("2 OAK WAY LUTON", "2 OAT WAX DUNSTABLE", Level.ELSE),  # short words agree exactly
    ],
)
def test_address_levels(first: str, second: str, expected: Level) -> None:
    """Addresses: exact, near (typo, spaces, or one within the other), more than half the
    tokens equal or one keystroke apart (partial), else."""
    assert compare_addresses(first, second) is expected


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("Ly Dia", "Lydia", Level.EXACT),
        ("Mary Ann", "Maryann", Level.EXACT),
        ("Mary Ann", "Mary", Level.EXACT),
        ("Ja Cob", "Jacob", Level.EXACT),
        ("Ja Cob", "Maria", Level.ELSE),
    ],
)
def test_given_name_with_a_keyed_space(first: str, second: str, expected: Level) -> None:
    """A space keyed inside a given name leaves it the same name; the first word alone decides
    otherwise (MARY ANN beside MARY is the first name and a middle name)."""
    levels = compare(profile(record(given_name=first)), profile(record(given_name=second)))
    assert levels[Field.GIVEN_NAME] is expected


def test_swapped_names_detected() -> None:
    """Given and family names entered the wrong way round compare as SWAPPED, not ELSE."""
    levels = compare(profile(ANNA), profile(record(given_name="Kowalski", family_name="Anna")))
    assert (levels[Field.GIVEN_NAME], levels[Field.FAMILY_NAME]) == (Level.SWAPPED, Level.SWAPPED)


def test_identical_records_agree_everywhere() -> None:
    """A record compared with itself is EXACT on every field."""
    assert set(compare(profile(ANNA), profile(ANNA)).values()) == {Level.EXACT}


_names = st.sampled_from(["Anna", "Ann", "Hannah", "Maria", "Kowalski", "Kowalsky", None])
_dates = st.sampled_from([date(1984, 3, 7), date(1984, 7, 3), date(1985, 3, 7), None])
_postcodes = st.sampled_from(["LU1 2AB", "LU1 2XY", "LU1 3AB", "MK9 3PU", None])


@st.composite
def _records(draw: st.DrawFn) -> Demographics:
    return record(
        given_name=draw(_names),
        family_name=draw(_names),
        birth_date=draw(_dates),
        postcode=draw(_postcodes),
        sex=draw(st.sampled_from(["MALE", "FEMALE", None])),
    )


@given(_records(), _records())
def test_compare_is_symmetric(a: Demographics, b: Demographics) -> None:
    """compare(a, b) == compare(b, a), so scores are symmetric."""
    assert compare(profile(a), profile(b)) == compare(profile(b), profile(a))


@pytest.mark.parametrize(
    ("first", "second", "slip"),
    [
        ("KATE", "KAWE", True),  # one letter substituted
        ("JOCK", "OJCK", True),  # neighbours transposed
        ("ALI", "AI", True),  # one letter dropped
        ("EMILY", "EMIILY", True),  # one letter added
        ("TOM", "TIM", False),  # a vowel for a vowel: how real names differ
        ("AVA", "EVA", False),
        ("HARRY", "HARVEY", False),  # two keystrokes
        ("ANNA", "ANNA", False),
        ("ANNA", None, False),
    ],
)
def test_keying_slip(first: str, second: str | None, slip: bool) -> None:
    """One keystroke apart, unless a vowel stands for a vowel; symmetric."""
    assert keying_slip(first, second) is slip
    assert keying_slip(second, first) is slip


def test_shared_address_tokens() -> None:
    """The tokens two addresses hold in common, sorted; None without any, or a side missing."""
    assert shared_tokens("12 HIGH STREET LUTON", "FLAT 2 12 HIGH STREET") == "12 HIGH STREET"
    assert shared_tokens("12 HIGH STREET", "3 MILL LANE") is None
    assert shared_tokens(None, "3 MILL LANE") is None
