"""Reference places: BLMK postcode districts by town, street names, and address generation.

Districts: Bedford MK40-MK45, Luton LU1-LU4, Milton Keynes MK1-MK17 and MK19 (MK18 is
Buckingham, outside the region), Leighton Buzzard LU7, Dunstable LU5-LU6. Inward codes follow
the Royal Mail pattern (digit + two letters, never C I K M O V), so they look real but are not
looked up. Town shares approximate the population split of the region.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import accumulate

from producers.simulator.region import Area

DISTRICTS: dict[Area, tuple[str, ...]] = {
    Area.BEDFORD: ("MK40", "MK41", "MK42", "MK43", "MK44", "MK45"),
    Area.LUTON: ("LU1", "LU2", "LU3", "LU4"),
    Area.MILTON_KEYNES: tuple(f"MK{n}" for n in (*range(1, 18), 19)),
    Area.LEIGHTON_BUZZARD: ("LU7",),
    Area.DUNSTABLE: ("LU5", "LU6"),
}
"""Outward codes of each town."""

_AREA_SHARES: dict[Area, float] = {
    Area.BEDFORD: 0.22,
    Area.LUTON: 0.25,
    Area.MILTON_KEYNES: 0.33,
    Area.LEIGHTON_BUZZARD: 0.08,
    Area.DUNSTABLE: 0.12,
}
_AREAS = tuple(_AREA_SHARES)
_AREA_WEIGHTS = list(accumulate(_AREA_SHARES.values()))
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

STREET_NAMES = (
    "Ashcroft",
    "Beech",
    "Castle",
    "Church",
    "Chiltern",
    "Denmark",
    "Elm",
    "Foster Hill",
    "Goldington",
    "Grange",
    "Harpur",
    "High",
    "Hitchin",
    "Kimbolton",
    "London",
    "Manor",
    "Midland",
    "Mill",
    "Newnham",
    "Oak",
    "Orchard",
    "Park",
    "Priory",
    "Queens",
    "Russell",
    "St Johns",
    "St Peters",
    "Station",
    "Tavistock",
    "Victoria",
    "Warwick",
    "Wellington",
    "Willow",
    "Windsor",
    "York",
    "Bedford",
    "Dunstable",
    "Leagrave",
    "Marsh",
    "Stockwood",
    "Wardown",
    "Saxon",
    "Silbury",
    "Avebury",
    "Witan",
    "Portway",
    "Watling",
    "Linford",
    "Bradwell",
    "Shenley",
    "Loughton",
    "Leighton",
    "Hockliffe",
    "Plantation",
    "Vandyke",
    "Heath",
    "Icknield",
    "Chapel",
    "Meadow",
    "Brook",
    "Cedar",
    "Hawthorn",
    "Rowan",
)
STREET_SUFFIXES = (
    "Road",
    "Street",
    "Close",
    "Avenue",
    "Way",
    "Lane",
    "Drive",
    "Crescent",
    "Gardens",
    "Court",
    "Grove",
    "Place",
)
ABBREVIATIONS = {
    "Road": "Rd",
    "Street": "St",
    "Avenue": "Ave",
    "Close": "Cl",
    "Drive": "Dr",
    "Crescent": "Cres",
    "Gardens": "Gdns",
    "Court": "Ct",
    "Place": "Pl",
}
"""How some systems shorten street suffixes."""


@dataclass(frozen=True)
class Address:
    """A postal address: lines (house and street, town) and postcode."""

    lines: tuple[str, ...]
    postcode: str


def random_area(rng: random.Random) -> Area:
    """A town, weighted by population."""
    return rng.choices(_AREAS, cum_weights=_AREA_WEIGHTS)[0]


def random_postcode(rng: random.Random, area: Area) -> str:
    """A plausible full postcode in one of the town's districts (``MK40 2AB``)."""
    outward = rng.choice(DISTRICTS[area])
    letters = rng.choice(_INWARD_LETTERS) + rng.choice(_INWARD_LETTERS)
    return f"{outward} {rng.randrange(10)}{letters}"


def random_address(rng: random.Random, area: Area) -> Address:
    """A house (sometimes a flat) on a street in ``area``."""
    street = f"{rng.choice(STREET_NAMES)} {rng.choice(STREET_SUFFIXES)}"
    house = f"{rng.randint(1, 180)} {street}"
    if rng.random() < 0.15:
        house = f"Flat {rng.randint(1, 24)}, {house}"
    return Address((house, area.value), random_postcode(rng, area))


def abbreviate(address: Address) -> Address:
    """The same address with its street suffix shortened (``Road`` -> ``Rd``)."""
    first, *rest = address.lines
    words = first.split(" ")
    if words[-1] in ABBREVIATIONS:
        words[-1] = ABBREVIATIONS[words[-1]]
    return Address((" ".join(words), *rest), address.postcode)
