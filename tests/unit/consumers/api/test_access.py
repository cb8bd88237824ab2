"""Consent at read: what a response may carry, given the person's consent state."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consumers.api.access import (
    Hit,
    ItemPage,
    Screened,
    objection_body,
    record_body,
    screen,
    search_body,
    section,
)
from streams.consent.state import Decision, Preference, Scope
from tests.unit.consumers.api.builders import (
    NOW,
    PERSON_A,
    PERSON_B,
    item_hit,
    objection,
    patient_hit,
    state,
    withholding,
)


def test_objection_shows_nothing_and_counts_everything() -> None:
    """With a live objection no document passes, whatever its labels."""
    hits = [patient_hit(), item_hit("result", "R1"), item_hit("medication", "M1")]

    screened = screen(hits, state(objection()), NOW)

    assert screened == Screened((), 3)


def test_expired_objection_no_longer_hides_the_record() -> None:
    """An objection whose effective_to has passed keeps nothing back."""
    expired = Preference(
        "E81001",
        "C1",
        1,
        Scope.SHARED_CARE_RECORD,
        Decision.DENY,
        effective_to=NOW - timedelta(days=1),
    )

    assert screen([item_hit()], state(expired), NOW).kept_back == 0


def test_withheld_item_is_removed_and_only_counted() -> None:
    """The item the patient asked to withhold is left out; its neighbours stay."""
    hits = [item_hit("result", "R1"), item_hit("result", "R2"), item_hit("result", "R3")]

    screened = screen(hits, state(withholding("R2")), NOW)

    assert [h.source["source_record_id"] for h in screened.shown] == ["R1", "R3"]
    assert screened.kept_back == 1


def test_withholding_names_items_of_its_own_organisation_only() -> None:
    """A withheld id at RC9 does not hide the same id from another organisation."""
    hits = [item_hit("result", "R2", org="RC9"), item_hit("result", "R2", org="RD8")]

    screened = screen(hits, state(withholding("R2", org="RC9")), NOW)

    assert [h.source["org"] for h in screened.shown] == ["RD8"]


@pytest.mark.parametrize(
    ("labels", "shown"),
    [
        ((), True),
        (("R",), True),
        (("N", "R"), True),
        (("V",), False),
        (("sexual-health",), False),
        (("R", "hiv"), False),
        (("genetic",), False),
    ],
)
def test_sensitive_labels_are_kept_back_and_restricted_is_shown(
    labels: tuple[str, ...], shown: bool
) -> None:
    """V and sensitive categories are never shown; R (restricted) is shown with its label."""
    screened = screen([item_hit(confidentiality=labels)], state(), NOW)

    assert len(screened.shown) == (1 if shown else 0)


@pytest.mark.parametrize(
    "hit",
    [
        item_hit(deleted=True),
        patient_hit(deleted=True),
        Hit("summary|p", {"doc_kind": "summary", "deleted": False, "person_id": PERSON_A}),
    ],
)
def test_tombstones_and_summaries_are_never_shown(hit: Hit) -> None:
    """A tombstone or a summary a query let through is dropped at read too."""
    assert screen([hit], state(), NOW).shown == ()


def test_objection_body_holds_nothing_about_the_record() -> None:
    """The 403 body says the patient objects, names the person id and nothing else."""
    assert objection_body(PERSON_A) == {
        "error": "the patient objects to sharing their record: nothing can be shown",
        "person_id": PERSON_A,
        "objects_to_sharing": True,
    }


def test_search_lists_an_objecting_person_without_demographics() -> None:
    """Search results say who objects but carry none of their demographics."""
    hits = [patient_hit(PERSON_A), patient_hit(PERSON_B, family_name="Otherwoman")]
    states = {PERSON_A: state(objection()), PERSON_B: state()}

    body, kept_back = search_body(hits, states, NOW)

    assert body["persons"][0] == {"person_id": PERSON_A, "objects_to_sharing": True}
    assert body["persons"][1]["demographics"]["family_name"] == "Otherwoman"
    assert (body["count"], kept_back) == (2, 1)


def test_search_shows_the_newest_demographics_once_per_person() -> None:
    """Two organisations' patient documents give one entry, from the newest one."""
    hits = [
        patient_hit(org="RC9", family_name="Old", recorded_at="2020-01-01T00:00:00Z"),
        patient_hit(org="E81001", family_name="New", recorded_at="2024-01-01T00:00:00Z"),
    ]

    body, _ = search_body(hits, {PERSON_A: state()}, NOW)

    assert body["count"] == 1
    assert body["persons"][0]["demographics"]["family_name"] == "New"
    assert body["persons"][0]["sources"] == 2
    assert "address_lines" not in body["persons"][0]["demographics"]


def test_record_body_counts_what_was_kept_back_and_says_so() -> None:
    """Withheld and sensitive items are counted in kept_back with a note, never described."""
    consent = state(withholding("R2"))
    page = ItemPage(
        3,
        (
            item_hit("result", "R1"),
            item_hit("result", "R2"),
            item_hit("result", "R3", confidentiality=("V",)),
        ),
    )
    results = section("result", page, consent, NOW, number=1, size=50)

    body = record_body(PERSON_A, screen([patient_hit()], consent, NOW), [results])

    assert [item["source_record_id"] for item in body["results"]["items"]] == ["R1"]
    assert (body["results"]["total"], body["results"]["kept_back"], body["kept_back"]) == (3, 2, 2)
    assert body["kept_back_note"].startswith("2 item(s) are not shown")
    assert "R2" not in str(body) and "R3" not in str(body)


def test_record_item_shows_content_labels_and_provenance_but_not_plumbing() -> None:
    """An item carries its clinical content, labels and source, not Kafka coordinates."""
    hit = item_hit("result", "R1", confidentiality=("R",))
    hit.source["kafka"] = {"topic": "mcr.shared"}  # type: ignore[index]
    results = section("result", ItemPage(1, (hit,)), state(), NOW, number=1, size=50)

    item = record_body(PERSON_A, Screened((), 0), [results])["results"]["items"][0]

    assert item["confidentiality"] == ["R"]
    assert item["result"]["value_quantity"] == 13.2
    assert (item["org"], item["id"]) == ("RC9", "result|RC9|R1")
    assert "kafka" not in item


def test_has_more_follows_total_and_page() -> None:
    """has_more is true while page * page_size is below the total."""
    page = ItemPage(120, tuple(item_hit("result", f"R{i}") for i in range(50)))

    first = section("result", page, state(), NOW, number=2, size=50)
    last = section("result", page, state(), NOW, number=3, size=50)
    body = record_body(PERSON_A, Screened((), 0), [first])
    body_last = record_body(PERSON_A, Screened((), 0), [last])

    assert (body["results"]["has_more"], body_last["results"]["has_more"]) == (True, False)
