"""Break-glass: opening a record without a care relationship, for a stated reason, for a short
time, always flagged for review. Pure rules; the store is ``break_glass_store.py``.

- The reason is a code from a fixed list (:class:`ReasonCode`) **and** free text (10-500
  characters, required). The text is stored and shown only in the information-governance
  listing (``mcr audit break-glass``): never logged, never echoed in an error, not in ``repr``.
- Only a role that may see some part of a record may break the glass (an IG officer or an
  unknown role has nothing to open: :class:`BreakGlassRefusedError`).
- An opening lasts ``MCR_API_BREAK_GLASS_MINUTES`` (60) and covers one user, in one role, for
  one person (:meth:`BreakGlass.covers`).
- An opening is itself audited (:func:`opening_entry`): flagged, with the reason code.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from consumers.api.auth.principal import Role
from consumers.api.authz.errors import BreakGlassRefusedError, BreakGlassRequestError
from consumers.api.authz.policy import AccessPolicy
from consumers.api.chain import AuditEntry

__all__ = [
    "DEFAULT_DURATION",
    "MAX_TEXT",
    "MIN_TEXT",
    "BreakGlass",
    "ReasonCode",
    "new_break_glass",
    "opening_entry",
    "reason_code",
    "reason_text",
]

DEFAULT_DURATION = timedelta(minutes=60)
MIN_TEXT, MAX_TEXT = 10, 500
QUERY_KIND = "break_glass"
OUTCOME = "break_glass_opened"
_ALLOWED_CONTROLS = frozenset("\n\t")


class ReasonCode(StrEnum):
    """Why the glass was broken (the fixed list; the free text says more)."""

    EMERGENCY_TREATMENT = "emergency-treatment"
    PATIENT_UNABLE_TO_CONSENT = "patient-unable-to-consent"
    SAFEGUARDING = "safeguarding"
    URGENT_MEDICATION_REVIEW = "urgent-medication-review"
    OTHER = "other"


@dataclass(frozen=True)
class BreakGlass:
    """One break-glass opening, as stored (``break_glass`` table in the audit schema)."""

    id: str
    at: datetime
    expires_at: datetime
    user_id: str
    role_id: str
    role_code: str
    org_code: str
    person_id: str
    reason_code: ReasonCode
    reason_text: str = field(repr=False)
    request_id: str

    def covers(
        self, *, user_id: str | None = None, role_id: str | None = None, person_id: str,
        now: datetime,
    ) -> bool:  # fmt: skip
        """True when this opening lets ``user_id`` (and/or ``role_id``: at least one is
        given) see ``person_id`` at ``now``: same person, same user/role, not yet expired."""
        if user_id is None and role_id is None:
            return False
        return (
            self.person_id == person_id
            and user_id in (None, self.user_id)
            and role_id in (None, self.role_id)
            and self.at <= now < self.expires_at
        )


def reason_code(raw: str) -> ReasonCode:
    """``raw`` as a reason code; BreakGlassRequestError naming ``reason_code`` otherwise."""
    try:
        return ReasonCode(raw)
    except ValueError:
        known = ", ".join(code.value for code in ReasonCode)
        raise BreakGlassRequestError(
            f"reason_code: not a break-glass reason (expected one of {known})",
            field="reason_code",
        ) from None


def reason_text(raw: str) -> str:
    """``raw`` stripped, when it is 10-500 characters of text (no control characters but
    newline and tab); BreakGlassRequestError naming ``reason_text`` otherwise (never the text)."""
    text = raw.strip()
    bad = any(not ch.isprintable() and ch not in _ALLOWED_CONTROLS for ch in text)
    if bad or not MIN_TEXT <= len(text) <= MAX_TEXT:
        raise BreakGlassRequestError(
            f"reason_text: expected {MIN_TEXT}-{MAX_TEXT} characters of text saying why",
            field="reason_text",
        )
    return text


def new_break_glass(
    *,
    user_id: str,
    role: Role,
    person_id: str,
    code: str,
    text: str,
    request_id: str,
    policy: AccessPolicy,
    now: datetime,
    duration: timedelta = DEFAULT_DURATION,
) -> BreakGlass:
    """A break-glass opening for ``user_id`` acting in ``role`` on ``person_id``, from ``now``
    for ``duration``.

    Raises BreakGlassRequestError (400) for a bad reason code or text, BreakGlassRefusedError
    (403) when the role may see no part of a record.
    """
    if not policy.record_categories_for(role.role_code):
        raise BreakGlassRefusedError(
            "role: this role may see no part of a record, so break-glass opens nothing",
            field="role",
        )
    return BreakGlass(
        id=str(uuid.uuid4()), at=now, expires_at=now + duration, user_id=user_id,
        role_id=role.role_id, role_code=role.role_code, org_code=role.org_code,
        person_id=person_id, reason_code=reason_code(code), reason_text=reason_text(text),
        request_id=request_id,
    )  # fmt: skip


def opening_entry(
    grant: BreakGlass, *, action: str, status: int = 201, purpose: str = "direct-care"
) -> AuditEntry:
    """The audit row of an opening: flagged, with its reason code (never the free text).
    ``action`` is the route template of the request that opened it."""
    return AuditEntry(
        at=grant.at, request_id=grant.request_id, user_id=grant.user_id, purpose=purpose,
        action=action, query_kind=QUERY_KIND, person_ids=(grant.person_id,), outcome=OUTCOME,
        status=status, break_glass_reason=grant.reason_code.value, flagged=True,
    )  # fmt: skip
