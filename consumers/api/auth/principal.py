"""The signed-in user: a typed value built from validated, CIS2-shaped token claims (pure).

The claims follow NHS CIS2 Authentication (and our Keycloak realm emits the same shape)::

    uid                  "555000000001"          the user's id (CIS2 UUID)
    nhsid_nrbac_roles    [{"person_roleid": "555000001001", "org_code": "E81001",
                           "role_code": "S8000:G8000:R8000", "role_name": "..."}, ...]
    selected_roleid      "555000001001"          the role chosen at sign-in
    id_assurance_level   3 (CIS2 may send "3")

Extra keys in a role object (CIS2 also sends ``person_orgid``, ``activities``, ``workgroups``...)
are ignored. Errors name the claim path and the rule, never a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NewType

from consumers.api.auth.errors import ClaimShapeError, MissingClaimError, SelectedRoleError

__all__ = ["OdsCode", "PersonRoleId", "Principal", "Role", "UserId", "principal_from_claims"]

UserId = NewType("UserId", str)
PersonRoleId = NewType("PersonRoleId", str)
OdsCode = NewType("OdsCode", str)

ROLES_CLAIM = "nhsid_nrbac_roles"
_ROLE_FIELDS = ("person_roleid", "org_code", "role_code", "role_name")


@dataclass(frozen=True)
class Role:
    """One national RBAC role the user holds at one organisation."""

    role_id: PersonRoleId
    org_code: OdsCode
    role_code: str
    role_name: str


@dataclass(frozen=True)
class Principal:
    """Who is asking: user id, every role held, the role selected for this session."""

    user_id: UserId
    subject: str
    roles: tuple[Role, ...]
    selected_role: Role
    assurance_level: int

    def __post_init__(self) -> None:
        if self.selected_role not in self.roles:
            raise SelectedRoleError("selected_roleid", "not one of the user's roles")

    @property
    def organisation(self) -> OdsCode:
        """The ODS code of the organisation the user acts for (that of the selected role)."""
        return self.selected_role.org_code


def principal_from_claims(claims: Mapping[str, object]) -> Principal:
    """The user described by validated ``claims``.

    Raises MissingClaimError, ClaimShapeError or SelectedRoleError naming the claim.
    """
    roles = _roles(_required(claims, ROLES_CLAIM))
    selected_id = _text(claims, "selected_roleid")
    selected = next((role for role in roles if role.role_id == selected_id), None)
    if selected is None:
        raise SelectedRoleError("selected_roleid", "not one of the user's roles")
    return Principal(
        user_id=UserId(_text(claims, "uid")),
        subject=_text(claims, "sub"),
        roles=roles,
        selected_role=selected,
        assurance_level=_assurance_level(_required(claims, "id_assurance_level")),
    )


def _required(claims: Mapping[str, object], name: str) -> object:
    if name not in claims or claims[name] is None:
        raise MissingClaimError(name, "required claim missing")
    return claims[name]


def _text(claims: Mapping[str, object], name: str) -> str:
    return _nonempty_string(_required(claims, name), name)


def _nonempty_string(value: object, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ClaimShapeError(path, "expected a non-empty string")
    return value


def _roles(value: object) -> tuple[Role, ...]:
    if not isinstance(value, list) or not value:
        raise ClaimShapeError(ROLES_CLAIM, "expected a non-empty array of role objects")
    roles = tuple(_role(item, f"{ROLES_CLAIM}[{index}]") for index, item in enumerate(value))
    if len({role.role_id for role in roles}) != len(roles):
        raise ClaimShapeError(ROLES_CLAIM, "person_roleid repeated")
    return roles


def _role(item: object, path: str) -> Role:
    if not isinstance(item, Mapping):
        raise ClaimShapeError(path, "expected an object")
    for name in _ROLE_FIELDS:
        if name not in item:
            raise MissingClaimError(f"{path}.{name}", "required field missing")
    role_id, org_code, role_code, role_name = (
        _nonempty_string(item[name], f"{path}.{name}") for name in _ROLE_FIELDS
    )
    return Role(PersonRoleId(role_id), OdsCode(org_code), role_code, role_name)


def _assurance_level(value: object) -> int:
    if isinstance(value, bool):
        raise ClaimShapeError("id_assurance_level", "expected an integer 0-4")
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or not 0 <= value <= 4:
        raise ClaimShapeError("id_assurance_level", "expected an integer 0-4")
    return value
