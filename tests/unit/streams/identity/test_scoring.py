"""Fellegi-Sunter scoring: exact arithmetic, and the laws of symmetry and monotonicity."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.events import PersonId
from streams.identity.comparison import LEVELS, Field, Level, compare
from streams.identity.decision import Thresholds
from streams.identity.matcher import CandidatePerson, match
from streams.identity.normalise import profile
from streams.identity.scoring import LevelProbabilities, MatchWeights, score
from streams.identity.weights import load
from tests.unit.streams.identity.people import ANNA, record

TOY = MatchWeights(
    version="toy",
    levels={
        Field.GIVEN_NAME: {
            Level.EXACT: LevelProbabilities(0.8, 0.01),
            Level.ELSE: LevelProbabilities(0.1, 0.8),
        },
        Field.BIRTH_DATE: {
            Level.EXACT: LevelProbabilities(0.9, 0.001),
            Level.ELSE: LevelProbabilities(0.05, 0.95),
        },
    },
    thresholds=Thresholds(10, 5),
)


@pytest.mark.parametrize(
    ("given_level", "dob_level", "expected"),
    [
        (Level.EXACT, Level.EXACT, math.log2(80) + math.log2(900)),
        (Level.EXACT, Level.ELSE, math.log2(80) + math.log2(0.05 / 0.95)),
        (Level.ELSE, Level.NULL, math.log2(0.125)),
        (Level.NULL, Level.NULL, 0.0),
    ],
)
def test_score_is_sum_of_log2_m_over_u(
    given_level: Level, dob_level: Level, expected: float
) -> None:
    """The match weight is the sum of log2(m/u) per field; NULL weighs nothing."""
    total = score({Field.GIVEN_NAME: given_level, Field.BIRTH_DATE: dob_level}, TOY).total
    assert total == pytest.approx(expected)


def test_contributions_name_each_field() -> None:
    """The score keeps each field's contribution, for evidence."""
    result = score({Field.GIVEN_NAME: Level.EXACT, Field.BIRTH_DATE: Level.NULL}, TOY)
    assert result.contributions == {
        Field.GIVEN_NAME: pytest.approx(math.log2(80)),
        Field.BIRTH_DATE: 0.0,
    }


DEFAULT = load()
NO_NHS = load("2026-12-06-febrl3-em")
_vectors = st.fixed_dictionaries(
    {name: st.sampled_from([*levels, Level.NULL]) for name, levels in LEVELS.items()}
)


@given(_vectors, st.sampled_from(list(LEVELS)), st.sampled_from([DEFAULT, NO_NHS]), st.data())
def test_more_agreement_never_lowers_the_score(
    vector: dict[Field, Level], name: Field, weights: MatchWeights, data: st.DataObject
) -> None:
    """Replacing any field's level by a better one never lowers the score, with the shipped
    weights and with those trained for sources without NHS numbers."""
    order = LEVELS[name]
    if vector[name] is Level.NULL or order.index(vector[name]) == 0:
        return
    better = data.draw(st.sampled_from(order[: order.index(vector[name])]))
    improved = {**vector, name: better}
    assert score(improved, weights).total >= score(vector, weights).total


@given(st.sampled_from(["Anna", "Ann", "Maria", None]), st.sampled_from(["LU1 2AB", "MK9 3PU"]))
def test_score_is_symmetric(given_name: str | None, postcode: str) -> None:
    """score(a, b) == score(b, a) with the shipped weights."""
    other = record(given_name=given_name, postcode=postcode)
    forward = score(compare(profile(ANNA), profile(other)), DEFAULT).total
    backward = score(compare(profile(other), profile(ANNA)), DEFAULT).total
    assert forward == backward


TF = MatchWeights(
    version="tf",
    levels={
        Field.FAMILY_NAME: {
            Level.EXACT: LevelProbabilities(0.8, 0.01),
            Level.FUZZY: LevelProbabilities(0.1, 0.02),
            Level.ELSE: LevelProbabilities(0.1, 0.97),
        }
    },
    thresholds=Thresholds(10, 5),
    term_frequencies={Field.FAMILY_NAME: {"SMITH": 0.04, "NOWAK": 0.005, "X": 0.9, "": 0.0005}},
)


@pytest.mark.parametrize(
    ("level", "value", "expected"),
    [
        (Level.EXACT, "SMITH", math.log2(80) - 2.0),  # log2(0.01 / 0.04) = -2
        (Level.EXACT, "X", math.log2(80) - 6.0),  # log2(0.01 / 0.9) = -6.49, clipped to -6
        (Level.EXACT, "NOWAK", math.log2(80)),  # +1 bit for a rare name: upward is clipped to 0
        (Level.EXACT, "KOWALCZYK", math.log2(80)),  # unseen: share of "" (rare), clipped to 0
        (Level.EXACT, None, math.log2(80)),
        (Level.FUZZY, "SMITH", math.log2(5)),  # only EXACT agreement is adjusted
    ],
)
def test_term_frequency_adjustment(level: Level, value: str | None, expected: float) -> None:
    """Agreeing on Smith says less than agreeing on a rare name: log2(u / tf) is added to the
    EXACT weight, clipped to [-TF_MAX_DOWN, +TF_MAX_UP] = [-6, 0] bits."""
    result = score({Field.FAMILY_NAME: level}, TF, {Field.FAMILY_NAME: value})
    assert result.total == pytest.approx(expected)
    assert TF.tf_adjustment(Field.FAMILY_NAME, "SMITH") == pytest.approx(-2.0)
    assert score({Field.FAMILY_NAME: level}, TF).total == pytest.approx(
        math.log2(80) if level is Level.EXACT else math.log2(5)
    )


@given(
    st.sampled_from(["Anna", "Ann", "Jack", None]),
    st.sampled_from(["White", "Wh ite", "Kowalski", "Whyte", None]),
)
def test_tf_adjusted_score_is_symmetric(given_name: str | None, family: str | None) -> None:
    """With term frequencies, score(a, b) == score(b, a): an EXACT level means equal values."""
    a = record(nhs_number=None, given_name="Anna", family_name="White")
    b = record(a, local_id="B", given_name=given_name, family_name=family)
    forward = match(b, [CandidatePerson(PersonId("p"), (a,))], NO_NHS).evidence.score
    backward = match(a, [CandidatePerson(PersonId("p"), (b,))], NO_NHS).evidence.score
    assert forward == backward


def test_older_weights_score_new_levels_as_before() -> None:
    """A file written before the typo and address-partial levels scores them as the level the
    same pair fell into before (partial birth date, address else)."""
    old = load("2026-11-26-fake1000-em")
    assert old.weight(Field.BIRTH_DATE, Level.TYPO) == old.weight(Field.BIRTH_DATE, Level.PARTIAL)
    assert old.weight(Field.ADDRESS, Level.PARTIAL) == old.weight(Field.ADDRESS, Level.ELSE)


ADDRESS_TF = MatchWeights(
    version="address-tf",
    levels={
        Field.ADDRESS: {
            Level.EXACT: LevelProbabilities(0.6, 0.0001),
            Level.PARTIAL: LevelProbabilities(0.1, 0.01),
            Level.ELSE: LevelProbabilities(0.3, 0.9899),
        }
    },
    thresholds=Thresholds(10, 5),
    term_frequencies={Field.ADDRESS: {"FLAT": 0.2, "ROAD": 0.3, "LONDON": 0.25, "": 0.00005}},
)


@pytest.mark.parametrize(
    ("level", "tokens", "adjustment"),
    [
        # common tokens only: 0.2 * 0.3 = 0.06 of records hold both, u = 0.01: -2.58 bits
        (Level.PARTIAL, "FLAT ROAD", math.log2(0.01 / 0.06)),
        # FLAT, ROAD and LONDON: 0.015, against u 0.0001 of an exact address: clipped to -6
        (Level.EXACT, "FLAT LONDON ROAD", -6.0),
        # a rare street name among them: the product is far below u, clipped up to 0
        (Level.PARTIAL, "FLAT ROAD WINDERMERE", 0.0),
        (Level.PARTIAL, None, 0.0),
        (Level.ELSE, "FLAT ROAD", 0.0),  # a disagreeing address is not adjusted
    ],
)
def test_address_token_adjustment(level: Level, tokens: str | None, adjustment: float) -> None:
    """Agreeing only on common address tokens says less than the level's average; agreeing
    on a rare token never says more (the upward clip is 0, as for names)."""
    base = ADDRESS_TF.weight(Field.ADDRESS, level)
    result = score({Field.ADDRESS: level}, ADDRESS_TF, {Field.ADDRESS: tokens})
    assert result.total == pytest.approx(base + adjustment)


def test_address_tokens_never_raise_a_score_and_are_symmetric() -> None:
    """Scored through the matcher, an address of common tokens lowers a candidate's score
    against the same weights without the table, and never raises one (only lowers)."""
    without = MatchWeights(version="no-table", levels=DEFAULT.levels, thresholds=DEFAULT.thresholds)
    tokens = {"HIGH": 0.3, "STREET": 0.4, "LUTON": 0.2, "12": 0.05, "": 0.00005}
    with_table = MatchWeights(
        version="table",
        levels=DEFAULT.levels,
        thresholds=DEFAULT.thresholds,
        term_frequencies={Field.ADDRESS: tokens},
    )
    other = record(nhs_number=None, local_id="B", address="12 High Street, Luton")
    new = record(nhs_number=None, address="12 High St Luton")
    person = CandidatePerson(PersonId("p"), (other,))
    plain = match(new, [person], without).evidence.score
    adjusted = match(new, [person], with_table).evidence.score
    assert plain is not None and adjusted is not None and adjusted < plain
    reverse = match(other, [CandidatePerson(PersonId("q"), (new,))], with_table).evidence.score
    assert reverse == adjusted
