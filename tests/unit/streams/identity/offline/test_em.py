"""EM estimation recovers known m/u from unlabelled pairs, and keeps weights monotone."""

from __future__ import annotations

import random

import pytest

from streams.identity.comparison import LEVELS, Comparison, Field, Level
from streams.identity.offline.em import estimate, make_monotone
from streams.identity.scoring import LevelProbabilities
from streams.identity.weights import starting_weights

TRUE_M = {Level.EXACT: 0.9, Level.ELSE: 0.1}
TRUE_U = {Level.EXACT: 0.05, Level.ELSE: 0.95}


def _pair(rng: random.Random, matched: bool) -> Comparison:
    table = TRUE_M if matched else TRUE_U
    vector = {name: Level.NULL for name in LEVELS}
    for name in (Field.SEX, Field.NHS_NUMBER):
        vector[name] = Level.NULL
    for name in (Field.GIVEN_NAME, Field.FAMILY_NAME, Field.BIRTH_DATE):
        vector[name] = Level.EXACT if rng.random() < table[Level.EXACT] else Level.ELSE
    return vector


def test_em_recovers_m_and_match_share() -> None:
    """From 30% matched pairs generated with m(exact)=0.9, EM finds m and the share."""
    rng = random.Random(7)
    blocked = [_pair(rng, rng.random() < 0.3) for _ in range(20_000)]
    randoms = [_pair(rng, False) for _ in range(20_000)]
    learned = estimate(blocked, randoms, start=starting_weights(), version="t", source="test")
    assert learned.match_proportion == pytest.approx(0.3, abs=0.03)
    for name in (Field.GIVEN_NAME, Field.FAMILY_NAME, Field.BIRTH_DATE):
        assert learned.levels[name][Level.EXACT].m == pytest.approx(0.9, abs=0.03)
        assert learned.levels[name][Level.EXACT].u == pytest.approx(0.05, abs=0.01)


def test_unobserved_fields_keep_starting_values() -> None:
    """A field the data never fills (sex here) keeps the starting m and u."""
    rng = random.Random(3)
    pairs = [_pair(rng, rng.random() < 0.5) for _ in range(2_000)]
    start = starting_weights()
    learned = estimate(pairs, pairs, start=start, version="t", source="test")
    assert learned.levels[Field.SEX] == start.levels[Field.SEX]


def test_make_monotone_caps_a_worse_level() -> None:
    """A worse level whose weight exceeds a better one is lowered to equal it."""
    table = {
        Field.SEX: {
            Level.EXACT: LevelProbabilities(0.5, 0.25),
            Level.ELSE: LevelProbabilities(0.5, 0.125),
        }
    }
    fixed = make_monotone(table)
    assert fixed[Field.SEX][Level.ELSE].weight == pytest.approx(1.0)
    assert fixed[Field.SEX][Level.EXACT] == table[Field.SEX][Level.EXACT]
