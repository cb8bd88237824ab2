"""Only live organisations' events pass identity's first check; the others are dead letters."""

from __future__ import annotations

import pytest

from schemas.events import organisation_topic
from schemas.organisations import OrgStatus
from streams.identity.admission import refusal, screen
from streams.identity.handler import Destination, Dispatch, IdentityInput, decode_event
from tests.unit.streams.identity.people import patient_event, record


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (OrgStatus.LIVE, None),
        (OrgStatus.SUSPENDED, "OrganisationNotLive: suspended"),
        (OrgStatus.ONBOARDING, "OrganisationNotLive: onboarding"),
        (None, "OrganisationNotLive: unknown"),
    ],
)
def test_refusal_names_the_status_only(status: OrgStatus | None, reason: str | None) -> None:
    """A live organisation passes; any other status is the reason, with no code or value."""
    assert refusal(status) == reason


def _decoded(org: str) -> IdentityInput | Dispatch:
    topic = organisation_topic(org)  # the organisation's own topic: its binding holds
    return decode_event(patient_event(record(org=org)), topic=topic, partition=0, offset=0)


def test_screen_keeps_order_and_earlier_failures() -> None:
    """Events of live organisations pass unchanged, in order; others become DLQ dispatches;
    an event that already failed to decode stays as it was."""
    broken = Dispatch(Destination.DLQ, reason="CorruptEventError: x")
    live, paused = _decoded("RC9"), _decoded("E81001")
    assert isinstance(live, IdentityInput) and isinstance(paused, IdentityInput)
    screened = screen(
        [live, broken, paused], {"RC9": OrgStatus.LIVE, "E81001": OrgStatus.SUSPENDED}
    )
    assert screened[:2] == [live, broken]
    assert screened[2] == Dispatch(Destination.DLQ, reason="OrganisationNotLive: suspended")
