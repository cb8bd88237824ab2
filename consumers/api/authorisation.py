"""The seam where the access policy decides whether the acting user may read a record. Pure.

Today every signed-in user in any role may read any record (consent at read still applies:
``access.py``). Issue 10's policy (``consumers/api/policy.py``: role to categories, care
relationships, break-glass) replaces :func:`authorise_record`; the record route calls nothing
else, and a refusal becomes a 403 that is audited with outcome ``forbidden``.
"""

from __future__ import annotations

from dataclasses import dataclass

from consumers.api.acting import ActingUser

__all__ = ["ALLOWED", "Authorisation", "authorise_record"]


@dataclass(frozen=True)
class Authorisation:
    """A decision: allowed, or refused with a reason that names a rule (never a value)."""

    allowed: bool
    reason: str = ""


ALLOWED = Authorisation(allowed=True)


def authorise_record(user: ActingUser, person_id: str) -> Authorisation:
    """Whether ``user`` (in their acting role) may read ``person_id``'s record: allowed."""
    del user, person_id  # the policy (branch authz) decides on both
    return ALLOWED
