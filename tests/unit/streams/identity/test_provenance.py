"""An event is accepted only from its own organisation's topic (or the asserted topic)."""

from __future__ import annotations

import pytest

from schemas.events import RecordType
from streams.identity.provenance import provenance_problem

FORGED = "ForgedOrganisation: header.org is not the organisation of the source topic"
NOT_SOURCE = "ForgedOrganisation: topic is not an organisation's source topic"
ASSERTED_ONLY_CONSENT = "ForgedOrganisation: the asserted topic carries consent events only"


@pytest.mark.parametrize(
    ("topic", "header_org", "record_type", "prefix", "expected"),
    [
        ("mcr.source.RC9", "RC9", RecordType.RESULT, "", None),
        ("mcr.source.RC9", "RD8", RecordType.RESULT, "", FORGED),
        ("mcr.source.RC9", "RC9X", RecordType.PATIENT, "", FORGED),
        ("mcr.source.RC9X", "RC9", RecordType.PATIENT, "", FORGED),
        ("t1.mcr.source.E81001", "E81001", RecordType.PATIENT, "t1.", None),
        ("mcr.source.E81001", "E81001", RecordType.PATIENT, "t1.", NOT_SOURCE),
        ("mcr.source.patient", "RC9", RecordType.PATIENT, "", NOT_SOURCE),
        ("mcr.linked", "RC9", RecordType.PATIENT, "", NOT_SOURCE),
        ("mcr.source._asserted", "E81001", RecordType.CONSENT, "", None),
        ("mcr.source._asserted", "RC9", RecordType.CONSENT, "", None),
        ("mcr.source._asserted", "RC9", RecordType.RESULT, "", ASSERTED_ONLY_CONSENT),
        ("t1.mcr.source._asserted", "RC9", RecordType.CONSENT, "t1.", None),
    ],
)
def test_the_topic_decides_the_organisation(
    topic: str, header_org: str, record_type: RecordType, prefix: str, expected: str | None
) -> None:
    """Header org must equal the topic's org; the asserted topic takes consent for any org."""
    found = provenance_problem(
        topic, header_org=header_org, record_type=record_type, topic_prefix=prefix
    )
    assert found == expected


def test_a_refusal_never_repeats_the_claimed_org() -> None:
    """The dead-letter reason names the rule, not the (attacker-chosen) value."""
    reason = provenance_problem("mcr.source.RC9", header_org="EVIL<script>",
                                record_type=RecordType.RESULT)  # fmt: skip
    assert reason is not None and "EVIL" not in reason
