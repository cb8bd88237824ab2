"""Link decisions from thresholds, and guards that only lower them."""

from __future__ import annotations

import pytest

from streams.identity.decision import LinkDecision, Thresholds, decide

T = Thresholds(auto_link=12.0, review=6.0)


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (30.0, LinkDecision.AUTO_LINK),
        (12.0, LinkDecision.AUTO_LINK),
        (11.99, LinkDecision.REVIEW),
        (6.0, LinkDecision.REVIEW),
        (5.99, LinkDecision.NEW_PERSON),
        (-40.0, LinkDecision.NEW_PERSON),
    ],
)
def test_decide(score: float, expected: LinkDecision) -> None:
    """At or above auto_link links, at or above review reviews, below is a new person."""
    assert decide(score, T) is expected


@pytest.mark.parametrize(
    ("decision", "ceiling", "expected"),
    [
        (LinkDecision.AUTO_LINK, LinkDecision.REVIEW, LinkDecision.REVIEW),
        (LinkDecision.NEW_PERSON, LinkDecision.REVIEW, LinkDecision.NEW_PERSON),
        (LinkDecision.REVIEW, LinkDecision.AUTO_LINK, LinkDecision.REVIEW),
    ],
)
def test_at_most_only_lowers(
    decision: LinkDecision, ceiling: LinkDecision, expected: LinkDecision
) -> None:
    """A guard caps a decision and never raises it."""
    assert decision.at_most(ceiling) is expected


def test_only_auto_link_links() -> None:
    """Only AUTO_LINK joins an existing person."""
    assert [d.links for d in LinkDecision] == [True, False, False]


def test_review_above_auto_link_is_rejected() -> None:
    """Thresholds in the wrong order are refused."""
    with pytest.raises(ValueError, match="review must not exceed auto_link"):
        Thresholds(auto_link=5.0, review=6.0)
