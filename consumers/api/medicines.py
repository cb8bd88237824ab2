"""Current and past medicines: one rule, as a Python test and as an OpenSearch clause.

A medicine is **current** unless the source says it ended: its status is completed, stopped
or cancelled, or its end date is before today. So active, on-hold and unknown-status medicines
without a past end date are current. Why unknown counts as current: a clinician who misses a
medicine the patient still takes (an interaction, an allergy to check) is at more risk than one
who sees a finished course in the current list with its status shown as unknown.

The viewer's list puts current medicines first, newest first within each group, so the first
page holds every current medicine of a person with up to a page of them. ``is_current`` marks
each item; ``current_first`` is the same rule for the search (OpenSearch's ``now/d``, UTC, as
``today`` is the service's UTC date), and a test runs both on the same items.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

__all__ = ["ENDED_STATUSES", "current_first", "is_current"]

#: Statuses that say the medicine is no longer taken (schemas/avro/medication: MedicationStatus).
ENDED_STATUSES = ("COMPLETED", "STOPPED", "CANCELLED")


def is_current(medication: Mapping[str, Any], today: date) -> bool:
    """True unless ``medication`` (an item's ``medication`` fields) says it ended before
    ``today``: an ended status, or an end date (ISO day) before today."""
    if medication.get("status") in ENDED_STATUSES:
        return False
    end = medication.get("end_date")
    return not (isinstance(end, str) and end[:10] < today.isoformat())


def _ended() -> dict[str, Any]:
    return {
        "bool": {
            "should": [
                {"terms": {"medication.status": list(ENDED_STATUSES)}},
                {"range": {"medication.end_date": {"lt": "now/d"}}},
            ],
            "minimum_should_match": 1,
        }
    }


def current_first(query: Mapping[str, Any]) -> dict[str, Any]:
    """``query`` with current medicines scoring 1 and ended ones 0 (sort by ``_score`` first);
    which items match is unchanged."""
    current = {"bool": {"must_not": [_ended()]}}
    return {
        "bool": {
            "filter": [query],
            "should": [{"constant_score": {"filter": current, "boost": 1.0}}],
        }
    }
