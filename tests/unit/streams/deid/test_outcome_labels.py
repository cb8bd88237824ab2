"""The de-identification stage's metric labels: one per handled message, none invented."""

from __future__ import annotations

from collections import Counter

from streams.deid.gate import PlanningOutcome, outcome_labels


def test_every_handled_message_gets_exactly_one_label() -> None:
    outcome = PlanningOutcome(events=3, left_out=2, skipped=1, commands=1)
    labels = outcome_labels(outcome, handled=9)
    assert len(labels) == 9
    assert Counter(labels) == {"deidentified": 3, "opted_out": 2, "skipped": 1, "command": 1,
                               "not_planned": 2}  # fmt: skip


def test_no_negative_remainder() -> None:
    assert outcome_labels(PlanningOutcome(events=2), handled=2) == ["deidentified"] * 2
