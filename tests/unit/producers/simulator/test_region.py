"""The region: real trust and council codes, ~90 practices in the right areas, source systems."""

from __future__ import annotations

import pytest

from producers.simulator.region import REGION, Area, OrgKind


@pytest.mark.parametrize(
    ("code", "kind", "system"),
    [
        ("RC9", OrgKind.ACUTE, "Medway PAS"),
        ("RD8", OrgKind.ACUTE, "Cerner Millennium"),
        ("RWK", OrgKind.COMMUNITY_MENTAL_HEALTH, "Rio"),
        ("RV3", OrgKind.COMMUNITY_MENTAL_HEALTH, "SystmOne"),
        ("00KB", OrgKind.SOCIAL_CARE, "Mosaic"),
        ("00KA", OrgKind.SOCIAL_CARE, "Liquidlogic LAS"),
        ("00MG", OrgKind.SOCIAL_CARE, "Liquidlogic LAS"),
        ("E81001", OrgKind.GP_PRACTICE, "EMIS Web"),
        ("E81002", OrgKind.GP_PRACTICE, "SystmOne"),
        ("K82001", OrgKind.GP_PRACTICE, "EMIS Web"),
    ],
)
def test_organisation_codes_kinds_and_systems(code: str, kind: OrgKind, system: str) -> None:
    """Each named organisation has its ODS code, kind and source system."""
    org = REGION.by_code(code)
    assert (org.kind, org.source_system) == (kind, system)


@pytest.mark.parametrize(
    ("area", "prefix", "count"),
    [
        (Area.BEDFORD, "E81", 20),
        (Area.LUTON, "E81", 24),
        (Area.MILTON_KEYNES, "K82", 28),
        (Area.LEIGHTON_BUZZARD, "E81", 8),
        (Area.DUNSTABLE, "E81", 10),
    ],
)
def test_practices_per_area_use_the_area_prefix(area: Area, prefix: str, count: int) -> None:
    """Practices are numbered in their area's ODS prefix (E81 Beds/Luton, K82 Milton Keynes)."""
    practices = REGION.of_kind(OrgKind.GP_PRACTICE, area)
    assert len(practices) == count
    assert all(p.code.startswith(prefix) and len(p.code) == 6 for p in practices)


def test_ninety_practices_with_unique_codes() -> None:
    """The region has 90 practices and no two organisations share a code."""
    codes = [org.code for org in REGION.organisations]
    assert len(REGION.of_kind(OrgKind.GP_PRACTICE)) == 90
    assert len(codes) == len(set(codes)) == 97


@pytest.mark.parametrize(
    ("area", "acute", "community", "council"),
    [
        (Area.BEDFORD, "RC9", "RWK", "00KB"),
        (Area.LUTON, "RC9", "RWK", "00KA"),
        (Area.MILTON_KEYNES, "RD8", "RV3", "00MG"),
        (Area.LEIGHTON_BUZZARD, "RC9", "RWK", None),
        (Area.DUNSTABLE, "RC9", "RWK", None),
    ],
)
def test_who_serves_each_town(area: Area, acute: str, community: str, council: str | None) -> None:
    """Each town's hospital, community trust and council (Central Bedfordshire: none)."""
    served = REGION.serving(OrgKind.SOCIAL_CARE, area)
    assert REGION.serving(OrgKind.ACUTE, area).code == acute  # type: ignore[union-attr]
    assert REGION.serving(OrgKind.COMMUNITY_MENTAL_HEALTH, area).code == community  # type: ignore[union-attr]
    assert (served.code if served else None) == council


def test_unknown_code_raises_key_error() -> None:
    """Looking up a code outside the region fails loudly."""
    with pytest.raises(KeyError):
        REGION.by_code("ZZZ")
