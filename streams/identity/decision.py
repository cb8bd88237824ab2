"""What to do with a scored record: link it, ask a person, or create a new person."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["LinkDecision", "Thresholds", "decide"]


class LinkDecision(StrEnum):
    """The outcome of matching one source record, strongest first."""

    AUTO_LINK = "AUTO_LINK"
    REVIEW = "REVIEW"
    NEW_PERSON = "NEW_PERSON"

    @property
    def rank(self) -> int:
        """2 for AUTO_LINK, 1 for REVIEW, 0 for NEW_PERSON."""
        return {"AUTO_LINK": 2, "REVIEW": 1, "NEW_PERSON": 0}[self.value]

    def at_most(self, ceiling: LinkDecision) -> LinkDecision:
        """This decision, lowered to ``ceiling`` when stronger (a guard caps AUTO_LINK)."""
        return self if self.rank <= ceiling.rank else ceiling

    @property
    def links(self) -> bool:
        """True when the record joins an existing person now."""
        return self is LinkDecision.AUTO_LINK


@dataclass(frozen=True)
class Thresholds:
    """Match-weight thresholds (sum of log2 m/u): at or above ``auto_link`` links, at or
    above ``review`` goes to a person, below creates a new person."""

    auto_link: float
    review: float

    def __post_init__(self) -> None:
        if self.review > self.auto_link:
            raise ValueError("thresholds: review must not exceed auto_link")


def decide(score: float, thresholds: Thresholds) -> LinkDecision:
    """The decision for a match weight."""
    if score >= thresholds.auto_link:
        return LinkDecision.AUTO_LINK
    if score >= thresholds.review:
        return LinkDecision.REVIEW
    return LinkDecision.NEW_PERSON
