"""Keying errors: swapped neighbours, a wrong letter, a missed letter."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from producers.simulator import typos
from producers.simulator.randomness import seeded


@pytest.mark.parametrize(
    ("kind", "word", "expected"),
    [
        (typos.transpose, "Smith", "Simth"),
        (typos.transpose, "Margaret", "Mragaret"),
        (typos.transpose, "Li", "Il"),
        (typos.substitute, "Smith", "Smtth"),
        (typos.substitute, "Margaret", "Matgaret"),
        (typos.drop_letter, "Smith", "Smth"),
        (typos.drop_letter, "Margaret", "Magaret"),
    ],
)
def test_typo_kinds(kind: Callable[..., str], word: str, expected: str) -> None:
    """Each kind of typo, with a fixed seed, gives a written-out misspelling."""
    assert kind(seeded(1), word) == expected


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=12).map(str.title)
mixed_names = names.filter(lambda word: len(set(word.lower())) > 1)


@given(word=names, seed=st.integers(min_value=0, max_value=10_000))
def test_a_typo_always_changes_the_name(word: str, seed: int) -> None:
    """Whatever the name and seed, the typo differs from it and keeps its length within one."""
    result = typos.typo(seeded(seed), word)
    assert result != word
    assert abs(len(result) - len(word)) <= 1


@given(word=mixed_names)
def test_transposition_keeps_the_letters(word: str) -> None:
    """A transposition only reorders letters (same multiset, ignoring case)."""
    assert sorted(typos.transpose(seeded(0), word).lower()) == sorted(word.lower())
