"""Fellegi-Sunter scoring: exact arithmetic, and the laws of symmetry and monotonicity."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.identity.comparison import LEVELS, Field, Level, compare
from streams.identity.decision import Thresholds
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
_vectors = st.fixed_dictionaries(
    {name: st.sampled_from([*levels, Level.NULL]) for name, levels in LEVELS.items()}
)


@given(_vectors, st.sampled_from(list(LEVELS)), st.data())
def test_more_agreement_never_lowers_the_score(
    vector: dict[Field, Level], name: Field, data: st.DataObject
) -> None:
    """Replacing any field's level by a better one never lowers the default-weights score."""
    order = LEVELS[name]
    if vector[name] is Level.NULL or order.index(vector[name]) == 0:
        return
    better = data.draw(st.sampled_from(order[: order.index(vector[name])]))
    improved = {**vector, name: better}
    assert score(improved, DEFAULT).total >= score(vector, DEFAULT).total


@given(st.sampled_from(["Anna", "Ann", "Maria", None]), st.sampled_from(["LU1 2AB", "MK9 3PU"]))
def test_score_is_symmetric(given_name: str | None, postcode: str) -> None:
    """score(a, b) == score(b, a) with the shipped weights."""
    other = record(given_name=given_name, postcode=postcode)
    forward = score(compare(profile(ANNA), profile(other)), DEFAULT).total
    backward = score(compare(profile(other), profile(ANNA)), DEFAULT).total
    assert forward == backward
