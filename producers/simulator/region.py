"""The organisations of the synthetic BLMK-like region: who publishes, from which system, where.

Codes follow real ODS conventions: acute and community trusts use their real trust codes, GP
practices are numbered in the real prefixes of their areas (E81 Bedfordshire and Luton, K82
Milton Keynes) but are synthetic, and councils use their ODS local-authority codes. Three
councils publish social care (Bedford Borough 00KB, Luton 00KA, Milton Keynes 00MG); Central
Bedfordshire (00KC) is not yet onboarded, so Dunstable and Leighton Buzzard residents have no
social care records. Source system names are illustrative.

The region is fixed (it does not depend on the seed), so org codes are stable between runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class OrgKind(StrEnum):
    """The kinds of publishing organisation."""

    GP_PRACTICE = "gp_practice"
    ACUTE = "acute"
    COMMUNITY_MENTAL_HEALTH = "community_mental_health"
    SOCIAL_CARE = "social_care"


class Area(StrEnum):
    """The towns of the region; each has postcode districts, a hospital, a trust, a council."""

    BEDFORD = "Bedford"
    LUTON = "Luton"
    MILTON_KEYNES = "Milton Keynes"
    LEIGHTON_BUZZARD = "Leighton Buzzard"
    DUNSTABLE = "Dunstable"


@dataclass(frozen=True)
class Organisation:
    """One publisher: ODS code, name, kind, source system and the prefix of its local ids."""

    code: str
    name: str
    kind: OrgKind
    source_system: str
    areas: tuple[Area, ...]
    id_prefix: str = ""


BEDFORDSHIRE_HOSPITALS = Organisation(
    "RC9",
    "Bedfordshire Hospitals NHS Foundation Trust",
    OrgKind.ACUTE,
    "Medway PAS",
    (Area.BEDFORD, Area.LUTON, Area.DUNSTABLE, Area.LEIGHTON_BUZZARD),
    "J",
)
MILTON_KEYNES_HOSPITAL = Organisation(
    "RD8",
    "Milton Keynes University Hospital NHS Foundation Trust",
    OrgKind.ACUTE,
    "Cerner Millennium",
    (Area.MILTON_KEYNES,),
    "M",
)
EAST_LONDON_FT = Organisation(
    "RWK",
    "East London NHS Foundation Trust",
    OrgKind.COMMUNITY_MENTAL_HEALTH,
    "Rio",
    (Area.BEDFORD, Area.LUTON, Area.DUNSTABLE, Area.LEIGHTON_BUZZARD),
    "RIO",
)
CENTRAL_NORTH_WEST_LONDON_FT = Organisation(
    "RV3",
    "Central and North West London NHS Foundation Trust",
    OrgKind.COMMUNITY_MENTAL_HEALTH,
    "SystmOne",
    (Area.MILTON_KEYNES,),
    "S1",
)
BEDFORD_BOROUGH = Organisation(
    "00KB",
    "Bedford Borough Council Adult and Children's Social Care",
    OrgKind.SOCIAL_CARE,
    "Mosaic",
    (Area.BEDFORD,),
    "MOS",
)
LUTON_COUNCIL = Organisation(
    "00KA",
    "Luton Borough Council Social Care",
    OrgKind.SOCIAL_CARE,
    "Liquidlogic LAS",
    (Area.LUTON,),
    "LL",
)
MILTON_KEYNES_COUNCIL = Organisation(
    "00MG",
    "Milton Keynes City Council Social Care",
    OrgKind.SOCIAL_CARE,
    "Liquidlogic LAS",
    (Area.MILTON_KEYNES,),
    "LL",
)

_PRACTICE_PLACES: dict[Area, tuple[str, ...]] = {
    Area.BEDFORD: (
        "De Parys",
        "Putnoe",
        "Kempston",
        "Queens Park",
        "Goldington",
        "Brickhill",
        "Clapham",
        "Bromham",
        "Shortstown",
        "Elstow",
        "Wootton",
        "Cranfield",
        "Great Barford",
        "Sharnbrook",
        "Ampthill",
        "Flitwick",
        "Barton",
        "Oakley",
        "Castle",
        "Cauldwell",
    ),
    Area.LUTON: (
        "Bury Park",
        "High Town",
        "Lewsey",
        "Marsh Farm",
        "Stopsley",
        "Wigmore",
        "Farley Hill",
        "Leagrave",
        "Sundon Park",
        "Limbury",
        "Round Green",
        "Hockwell Ring",
        "Biscot",
        "Dallow",
        "Saints",
        "Wardown",
        "Crawley Green",
        "Icknield",
        "Barton Hill",
        "Ashcroft",
        "Park Town",
        "Putteridge",
        "Vauxhall",
        "Hart Hill",
    ),
    Area.MILTON_KEYNES: (
        "Bletchley",
        "Wolverton",
        "Newport Pagnell",
        "Stony Stratford",
        "Olney",
        "Kingsmead",
        "Broughton",
        "Oakgrove",
        "Westcroft",
        "Shenley",
        "Netherfield",
        "Fishermead",
        "Bradwell",
        "Great Linford",
        "Woughton",
        "Walnut Tree",
        "Kents Hill",
        "Willen",
        "Neath Hill",
        "Furzton",
        "Emerson Valley",
        "Whaddon",
        "Wavendon",
        "Brooklands",
        "Eaglestone",
        "Water Eaton",
        "Watling Vale",
        "Heelands",
    ),
    Area.LEIGHTON_BUZZARD: (
        "Leighton Road",
        "Linslade",
        "Bassett Road",
        "Heath and Reach",
        "Hockliffe Street",
        "Grovebury",
        "Billington",
        "Stanbridge",
    ),
    Area.DUNSTABLE: (
        "Priory",
        "Houghton Regis",
        "Kingsbury",
        "Caddington",
        "Toddington",
        "Tithe Farm",
        "Eaton Bray",
        "Downside",
        "Markyate",
        "Totternhoe",
    ),
}
_PRACTICE_SUFFIXES = ("Surgery", "Medical Centre", "Health Centre", "Medical Practice")
# Every third practice runs SystmOne, the rest EMIS Web: roughly the national split.
_GP_SYSTEMS = ("EMIS Web", "EMIS Web", "SystmOne")


def _practices() -> tuple[Organisation, ...]:
    """~90 practices: E81001.. for Bedfordshire and Luton areas, K82001.. for Milton Keynes."""
    practices: list[Organisation] = []
    serials = {"E81": 0, "K82": 0}
    for area, places in _PRACTICE_PLACES.items():
        prefix = "K82" if area is Area.MILTON_KEYNES else "E81"
        for place in places:
            serials[prefix] += 1
            serial = serials[prefix]
            system = _GP_SYSTEMS[serial % len(_GP_SYSTEMS)]
            name = f"{place} {_PRACTICE_SUFFIXES[serial % len(_PRACTICE_SUFFIXES)]}"
            code = f"{prefix}{serial:03d}"
            practices.append(Organisation(code, name, OrgKind.GP_PRACTICE, system, (area,)))
    return tuple(practices)


@dataclass(frozen=True)
class Region:
    """Every organisation, with the look-ups a person's care pathway needs."""

    organisations: tuple[Organisation, ...]
    _by_code: dict[str, Organisation] = field(init=False, repr=False, compare=False)
    _by_kind: dict[tuple[OrgKind, Area | None], tuple[Organisation, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Frozen: the look-up tables are built once here, not on every call.
        object.__setattr__(self, "_by_code", {org.code: org for org in self.organisations})
        by_kind = {
            (kind, area): tuple(
                org
                for org in self.organisations
                if org.kind is kind and (area is None or area in org.areas)
            )
            for kind in OrgKind
            for area in (None, *Area)
        }
        object.__setattr__(self, "_by_kind", by_kind)

    def by_code(self, code: str) -> Organisation:
        """The organisation with ODS ``code``; raises KeyError when it is not in the region."""
        return self._by_code[code]

    def of_kind(self, kind: OrgKind, area: Area | None = None) -> tuple[Organisation, ...]:
        """Organisations of ``kind`` (serving ``area`` when given), in a stable order."""
        return self._by_kind[(kind, area)]

    def serving(self, kind: OrgKind, area: Area) -> Organisation | None:
        """The one organisation of ``kind`` that covers ``area`` (None: nobody publishes)."""
        found = self.of_kind(kind, area)
        return found[0] if found else None


REGION = Region(
    (
        BEDFORDSHIRE_HOSPITALS,
        MILTON_KEYNES_HOSPITAL,
        EAST_LONDON_FT,
        CENTRAL_NORTH_WEST_LONDON_FT,
        BEDFORD_BOROUGH,
        LUTON_COUNCIL,
        MILTON_KEYNES_COUNCIL,
        *_practices(),
    )
)
"""The region every simulation uses."""
