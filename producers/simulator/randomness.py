"""Seeded random streams: the simulator's one constructor of ``random.Random``.

Every stream is keyed by a string such as ``"42/17/person"`` (seed, person index, purpose).
String seeds are hashed with SHA-512 by ``random.Random``, so a key gives the same stream on
every run and machine, and one purpose drawing more numbers never shifts another's stream.
Reproducibility, not secrecy, is the point, so the cryptography warning (S311) does not apply.
"""

from __future__ import annotations

import random


def seeded(key: str | int) -> random.Random:
    """A pseudo-random stream fully determined by ``key``."""
    return random.Random(key)  # noqa: S311 (synthetic data: reproducible on purpose)


def split(rng: random.Random) -> random.Random:
    """A new stream seeded from ``rng``, so later draws of ``rng`` do not depend on its use."""
    return seeded(rng.getrandbits(64))
