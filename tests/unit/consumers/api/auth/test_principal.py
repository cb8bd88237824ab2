"""The typed user from CIS2-shaped claims: accepted shapes and every refusal (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from consumers.api.auth.errors import ClaimShapeError, MissingClaimError, SelectedRoleError
from consumers.api.auth.principal import Principal, Role, principal_from_claims
from tests.auth_tokens import cis2_claims, role

GP = role("555000001008", "E81025")
MENTAL_HEALTH = role("555000001009", "RWK")
# NHS CIS2 documents more fields per role than our realm emits; they are ignored.
CIS2_DOCUMENTED_ROLE = {
    **role("555000002001", "RC9"),
    "person_orgid": "555000003001",
    "activities": ["Receive Self Claimed LR Alerts"],
    "activity_codes": ["B0572"],
    "workgroups": [],
    "workgroup_codes": [],
    "role_name": '"Clinical":"Clinical Provision":"Clinical Practitioner Access Role"',
}


@pytest.mark.parametrize(
    ("overrides", "user_id", "selected_org", "orgs", "level"),
    [
        pytest.param({}, "555000000001", "E81001", ("E81001",), 3, id="realm-shape"),
        pytest.param(
            {"nhsid_nrbac_roles": [GP, MENTAL_HEALTH], "selected_roleid": "555000001009"},
            "555000000001",
            "RWK",
            ("E81025", "RWK"),
            3,
            id="two-roles-second-selected",
        ),
        pytest.param(
            {
                "nhsid_nrbac_roles": [CIS2_DOCUMENTED_ROLE],
                "selected_roleid": "555000002001",
                "id_assurance_level": "3",
                "uid": "910000000001",
            },
            "910000000001",
            "RC9",
            ("RC9",),
            3,
            id="cis2-documented-shape",
        ),
        pytest.param(
            {"id_assurance_level": 0}, "555000000001", "E81001", ("E81001",), 0, id="level-0"
        ),
    ],
)
def test_accepted_claim_shapes_give_the_user(
    overrides: dict[str, Any], user_id: str, selected_org: str, orgs: tuple[str, ...], level: int
) -> None:
    """The realm's shape and CIS2's documented shape both give the same typed user."""
    principal = principal_from_claims(cis2_claims(**overrides))

    assert principal.user_id == user_id
    assert principal.organisation == selected_org
    assert tuple(r.org_code for r in principal.roles) == orgs
    assert principal.assurance_level == level
    assert principal.selected_role in principal.roles


@pytest.mark.parametrize(
    ("overrides", "error", "rule"),
    [
        ({"nhsid_nrbac_roles": None}, MissingClaimError, "nhsid_nrbac_roles"),
        ({"nhsid_nrbac_roles": []}, ClaimShapeError, "nhsid_nrbac_roles"),
        ({"nhsid_nrbac_roles": '[{"person_roleid": "1"}]'}, ClaimShapeError, "nhsid_nrbac_roles"),
        ({"nhsid_nrbac_roles": ["555000001001"]}, ClaimShapeError, "nhsid_nrbac_roles[0]"),
        (
            {"nhsid_nrbac_roles": [{k: v for k, v in GP.items() if k != "org_code"}]},
            MissingClaimError,
            "nhsid_nrbac_roles[0].org_code",
        ),
        (
            {"nhsid_nrbac_roles": [{**GP, "role_code": 8000}]},
            ClaimShapeError,
            "nhsid_nrbac_roles[0].role_code",
        ),
        (
            {"nhsid_nrbac_roles": [GP, {**GP, "person_roleid": " "}]},
            ClaimShapeError,
            "nhsid_nrbac_roles[1].person_roleid",
        ),
        (
            {"nhsid_nrbac_roles": [GP, GP], "selected_roleid": "555000001008"},
            ClaimShapeError,
            "nhsid_nrbac_roles",
        ),
        ({"selected_roleid": None}, MissingClaimError, "selected_roleid"),
        ({"selected_roleid": "555000001999"}, SelectedRoleError, "selected_roleid"),
        ({"selected_roleid": ["555000001001"]}, ClaimShapeError, "selected_roleid"),
        ({"uid": None}, MissingClaimError, "uid"),
        ({"uid": ""}, ClaimShapeError, "uid"),
        ({"sub": None}, MissingClaimError, "sub"),
        ({"id_assurance_level": None}, MissingClaimError, "id_assurance_level"),
        ({"id_assurance_level": "high"}, ClaimShapeError, "id_assurance_level"),
        ({"id_assurance_level": True}, ClaimShapeError, "id_assurance_level"),
        ({"id_assurance_level": 7}, ClaimShapeError, "id_assurance_level"),
        ({"id_assurance_level": "٣"}, ClaimShapeError, "id_assurance_level"),
    ],
)
def test_refused_claim_shapes_name_the_claim(
    overrides: dict[str, Any], error: type[Exception], rule: str
) -> None:
    """Each malformed claim is refused with its own error class and the claim path as rule."""
    with pytest.raises(error) as caught:
        principal_from_claims(cis2_claims(**overrides))

    assert caught.value.rule == rule  # type: ignore[attr-defined]
    assert str(caught.value).startswith(f"{rule}: ")


def test_a_principal_cannot_be_built_with_a_role_it_does_not_hold() -> None:
    """The dataclass itself refuses a selected role outside its roles."""
    held = Role("1", "E81001", "S8000:G8000:R8000", "Clinical")  # type: ignore[arg-type]
    other = Role("2", "RC9", "S8000:G8000:R8000", "Clinical")  # type: ignore[arg-type]

    with pytest.raises(SelectedRoleError):
        Principal(user_id="u", subject="s", roles=(held,), selected_role=other, assurance_level=3)  # type: ignore[arg-type]
