"""Care relationship, every case: which documents make one, and the clinical-safety cases
that must not (another organisation's record, tombstones, old or future encounters)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consumers.api.access import Hit
from consumers.api.authz.relationship import (
    NoRelationship,
    Relationship,
    RelationshipKind,
    find_relationship,
)
from tests.unit.consumers.api.authz.builders import GP, HOSPITAL, NOW, OTHER, encounter, patient

HOLDS, GP_REG, RECENT = (RelationshipKind.HOLDS_RECORD, RelationshipKind.REGISTERED_GP,
                         RelationshipKind.RECENT_ENCOUNTER)  # fmt: skip
DAY = "2025-02-01T10:00:00.000Z"  # 28 days before NOW
OLD = "2023-01-01T10:00:00.000Z"  # more than a year before NOW
FUTURE = "2025-04-01T10:00:00.000Z"
CASES: list[tuple[str, str, list[Hit], RelationshipKind | None]] = [
    ("holds a live patient document", HOSPITAL, [patient(HOSPITAL)], HOLDS),
    ("holds-record wins over registered-gp", GP, [patient(GP, gp=GP)], HOLDS),
    ("registered GP of the newest patient document", GP, [patient(HOSPITAL, gp=GP)], GP_REG),
    ("moved practice: only the newest registration counts", GP,
     [patient(HOSPITAL, gp=GP, recorded_at="2023-01-01T00:00:00.000Z"),
      patient(OTHER, gp="E81999", recorded_at="2024-06-01T00:00:00.000Z")], None),
    ("an ended encounter within the window", OTHER,
     [patient(HOSPITAL), encounter(OTHER, start=OLD, end=DAY)], RECENT),
    ("an open encounter started within the window", OTHER,
     [encounter(OTHER, start=DAY, end=None)], RECENT),
    ("items alone, no patient document: the encounter still counts", OTHER,
     [encounter(OTHER, start=DAY)], RECENT),
    # clinical safety: none of these is a relationship
    ("another organisation's record", OTHER, [patient(HOSPITAL, gp=GP)], None),
    ("another organisation's encounter", OTHER, [encounter(HOSPITAL, start=DAY)], None),
    ("a tombstoned patient document", HOSPITAL, [patient(HOSPITAL, deleted=True)], None),
    ("a tombstoned encounter", OTHER, [encounter(OTHER, start=DAY, deleted=True)], None),
    ("the registration of a tombstoned document", GP, [patient(HOSPITAL, deleted=True)], None),
    ("an encounter ended before the window", OTHER, [encounter(OTHER, start=OLD, end=OLD)],
     None),
    ("an encounter in the future (planned)", OTHER, [encounter(OTHER, start=FUTURE)], None),
    ("an encounter without dates", OTHER, [encounter(OTHER, start=None)], None),
    ("an encounter with a date that is not a time", OTHER,
     [encounter(OTHER, start="yesterday")], None),
    ("an encounter without a time zone", OTHER, [encounter(OTHER, start="2025-02-01T10:00:00")],
     None),
    ("no documents at all", HOSPITAL, [], None),
    ("an empty organisation code never matches", "", [patient(HOSPITAL, gp="")], None),
]  # fmt: skip


@pytest.mark.parametrize(("case", "org", "hits", "expected"), CASES, ids=[c[0] for c in CASES])
def test_relationship(
    case: str, org: str, hits: list[Hit], expected: RelationshipKind | None
) -> None:
    found = find_relationship(org, hits, NOW)
    if expected is None:
        assert isinstance(found, NoRelationship) and found.reason
    else:
        assert found == Relationship(expected)


def test_a_summary_document_is_never_a_record_held() -> None:
    summary = patient(HOSPITAL)
    summary.source["doc_kind"] = "summary"  # type: ignore[index]
    assert isinstance(find_relationship(HOSPITAL, [summary], NOW), NoRelationship)


@pytest.mark.parametrize(("days", "expected"), [(28, False), (29, True), (365, True)])
def test_the_window_is_configurable(days: int, expected: bool) -> None:
    """The encounter started 28 days and 2 hours before now: outside 28 days, inside 29."""
    found = find_relationship(OTHER, [encounter(OTHER, start=DAY)], NOW,
                              window=timedelta(days=days))  # fmt: skip
    assert isinstance(found, Relationship) is expected
