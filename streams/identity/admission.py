"""Only live organisations publish: the identity stage's first check on every event. Pure.

An event whose organisation is not live in the registry (unknown, still onboarding, or
suspended) is dead-lettered before it can touch the MPI, with the reason
``OrganisationNotLive: <unknown|onboarding|suspended>`` (the status, never the code or any
other value). The registry is read once per batch (``mcr.core.org_registry.statuses``, one
indexed query), so a suspension applies to the next batch the stage reads: within the batch
window (``MCR_IDENTITY_BATCH_WITHIN_MS``) plus one query, measured in
``tests/integration/identity/test_admission.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from schemas.organisations import OrgStatus
from streams.identity.handler import Destination, Dispatch, IdentityInput

__all__ = ["NOT_LIVE", "refusal", "screen"]

NOT_LIVE = "OrganisationNotLive"


def refusal(status: OrgStatus | None) -> str | None:
    """The dead-letter reason for an organisation of ``status`` (None: not registered), or
    None when it is live."""
    if status is OrgStatus.LIVE:
        return None
    return f"{NOT_LIVE}: {'unknown' if status is None else status.value}"


def screen(
    decoded: Sequence[IdentityInput | Dispatch], statuses: Mapping[str, OrgStatus]
) -> list[IdentityInput | Dispatch]:
    """``decoded`` with the events of organisations that are not live replaced by their DLQ
    dispatch, in order (already failed events stay as they are)."""
    screened: list[IdentityInput | Dispatch] = []
    for item in decoded:
        reason = refusal(statuses.get(item.record.org)) if isinstance(item, IdentityInput) else None
        screened.append(item if reason is None else Dispatch(Destination.DLQ, reason=reason))
    return screened
