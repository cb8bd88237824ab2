"""The signed-in user and the role they act in for one request. Pure.

A user may hold several national RBAC roles (one per organisation and job). The token's
``selected_roleid`` is the role chosen at sign-in; a request may act in another role the user
holds by naming its ``person_roleid`` in ``X-MCR-Role``. A role the user does not hold is
refused (400), never silently replaced by the selected one. The acting role is what the audit
records (``role_id``, ``role_code``, ``org_code``) and what authorisation will decide on.
"""

from __future__ import annotations

from dataclasses import dataclass

from consumers.api.auth import Principal, Role
from consumers.api.errors import ValidationError

__all__ = ["ROLE_HEADER", "ActingUser", "acting_role"]

ROLE_HEADER = "X-MCR-Role"


@dataclass(frozen=True)
class ActingUser:
    """Who asks (the validated token's principal) and in which of their roles."""

    principal: Principal
    role: Role

    @property
    def user_id(self) -> str:
        return str(self.principal.user_id)


def acting_role(principal: Principal, requested: str | None) -> Role:
    """The role named by ``requested`` (an ``X-MCR-Role`` value), or the selected role when
    none is named.

    Raises ValidationError (naming the header, never its value) when the user does not hold
    the named role.
    """
    if requested is None or not requested.strip():
        return principal.selected_role
    for role in principal.roles:
        if role.role_id == requested.strip():
            return role
    raise ValidationError(f"{ROLE_HEADER}: not one of the user's roles", field=ROLE_HEADER)
