"""Keying errors a receptionist makes: swapped neighbours, a wrong letter, a missed letter.

Each function returns a string that differs from its input (names of one letter are returned
unchanged, since no plausible typo keeps them a name).
"""

from __future__ import annotations

import random
from collections.abc import Callable

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def transpose(rng: random.Random, word: str) -> str:
    """Swap two neighbouring, different letters (``Smith`` -> ``Smtih``)."""
    spots = [i for i in range(len(word) - 1) if word[i].lower() != word[i + 1].lower()]
    if not spots:
        return substitute(rng, word)
    i = rng.choice(spots)
    pair = word[i + 1] + word[i]
    if i == 0:  # keep the capital where names have it
        pair = pair[0].upper() + pair[1].lower() if word[0].isupper() else pair
    return word[:i] + pair + word[i + 2 :]


def substitute(rng: random.Random, word: str) -> str:
    """Replace one letter after the first with another (``Smith`` -> ``Smoth``)."""
    if len(word) < 2:
        return word
    i = rng.randrange(1, len(word))
    replacement = rng.choice(_LETTERS.replace(word[i].lower(), ""))
    return word[:i] + replacement + word[i + 1 :]


def drop_letter(rng: random.Random, word: str) -> str:
    """Leave out one letter after the first (``Smith`` -> ``Smth``)."""
    if len(word) < 3:
        return substitute(rng, word)
    i = rng.randrange(1, len(word))
    dropped = word[:i] + word[i + 1 :]
    return dropped if dropped != word else substitute(rng, word)


KINDS: tuple[Callable[[random.Random, str], str], ...] = (transpose, substitute, drop_letter)
"""Every kind of typo, equally likely."""


def typo(rng: random.Random, word: str) -> str:
    """One random keying error in ``word``."""
    return rng.choice(KINDS)(rng, word)
