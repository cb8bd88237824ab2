"""The organisations of the synthetic BLMK-like region: who publishes, from which system, where.

The organisations come from the region's configuration file (``schemas/organisations.toml``,
the one the registry is seeded from): the simulator publishes as its *live* organisations.
Codes follow real ODS conventions: acute and community trusts use their real trust codes, GP
practices are numbered in the real prefixes of their areas (E81 Bedfordshire and Luton, K82
Milton Keynes) but are synthetic, and councils use their ODS local-authority codes. Three
councils publish social care (Bedford Borough 00KB, Luton 00KA, Milton Keynes 00MG); Central
Bedfordshire (00KC) is still onboarding, so Dunstable and Leighton Buzzard residents have no
social care records. The ambulance trust (RYC) is onboarding too and is not simulated.
Source system names are illustrative.

The region is fixed (it does not depend on the seed), so org codes are stable between runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from schemas.organisations import Organisation as RegistryEntry
from schemas.organisations import OrganisationKind, OrgStatus, load_organisations


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


# The simulator's own detail: the prefix of each organisation's local patient ids.
_ID_PREFIXES = {"RC9": "J", "RD8": "M", "RWK": "RIO", "RV3": "S1", "00KB": "MOS", "00KA": "LL",
                "00MG": "LL"}  # fmt: skip
# The registry's finer kinds, as the simulator's care pathways use them.
_KINDS = {
    OrganisationKind.GP_PRACTICE: OrgKind.GP_PRACTICE,
    OrganisationKind.ACUTE: OrgKind.ACUTE,
    OrganisationKind.COMMUNITY: OrgKind.COMMUNITY_MENTAL_HEALTH,
    OrganisationKind.MENTAL_HEALTH: OrgKind.COMMUNITY_MENTAL_HEALTH,
    OrganisationKind.COUNCIL_SOCIAL_CARE: OrgKind.SOCIAL_CARE,
}


def from_registry_entries(entries: tuple[RegistryEntry, ...]) -> tuple[Organisation, ...]:
    """The publishers among ``entries``: the live ones of a kind the simulator models, in file
    order, with their first system as the source system."""
    return tuple(
        Organisation(
            entry.ods_code,
            entry.name,
            _KINDS[entry.kind],
            entry.systems[0],
            tuple(Area(area) for area in entry.areas),
            _ID_PREFIXES.get(entry.ods_code, ""),
        )
        for entry in entries
        if entry.status is OrgStatus.LIVE and entry.kind in _KINDS and entry.systems
    )


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


REGION = Region(from_registry_entries(load_organisations()))
"""The region every simulation uses: the live organisations of ``schemas/organisations.toml``."""
