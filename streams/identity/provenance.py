"""Which organisation may have sent an event: the source topic it was read from decides.

The broker lets only organisation ``X``'s principal write ``mcr.source.X``, so the topic is an
authenticated fact and the event's ``header.org`` a claim: identity accepts the claim only when
it equals the topic's organisation. The query service's topic (``mcr.source._asserted``) is
written by that service alone, which sets the org from the signed-in user's token; it may carry
consent events (viewer-recorded objections) for any organisation, and nothing else.
A refused event is dead-lettered with the reason below (``mcr dlq list`` counts them).
"""

from __future__ import annotations

from schemas.events import ASSERTED_SOURCE_TOPIC, RecordType, topic_organisation

__all__ = ["FORGED_ORGANISATION", "provenance_problem"]

FORGED_ORGANISATION = "ForgedOrganisation"
"""The class part of every refusal's dead-letter reason."""


def provenance_problem(
    topic: str, *, header_org: str, record_type: RecordType, topic_prefix: str = ""
) -> str | None:
    """None when an event claiming ``header_org`` may come from ``topic``; otherwise the
    dead-letter reason (names fields and rules, never the claimed value)."""
    if topic == topic_prefix + ASSERTED_SOURCE_TOPIC:
        if record_type is RecordType.CONSENT:
            return None
        return f"{FORGED_ORGANISATION}: the asserted topic carries consent events only"
    topic_org = topic_organisation(topic, prefix=topic_prefix)
    if topic_org is None:
        return f"{FORGED_ORGANISATION}: topic is not an organisation's source topic"
    if topic_org != header_org:
        return f"{FORGED_ORGANISATION}: header.org is not the organisation of the source topic"
    return None
