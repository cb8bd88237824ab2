"""Consent at read: what a response may carry, given the person's consent state."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consumers.api.access import (
    Hit,
    ItemPage,
    ReadConsent,
    Screened,
    hides_contact,
    objecting_owners,
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
    alone,
    item_hit,
    objection,
    patient_hit,
    state,
    withholding,
)


def test_objection_shows_nothing_and_counts_everything() -> None:
    """With a live objection no document passes, whatever its labels."""
    hits = [patient_hit(), item_hit("result", "R1"), item_hit("medication", "M1")]

    screened = screen(hits, alone(state(objection())), NOW)

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

    assert screen([item_hit()], alone(state(expired)), NOW).kept_back == 0


def test_withheld_item_is_removed_and_only_counted() -> None:
    """The item the patient asked to withhold is left out; its neighbours stay."""
    hits = [item_hit("result", "R1"), item_hit("result", "R2"), item_hit("result", "R3")]

    screened = screen(hits, alone(state(withholding("R2"))), NOW)

    assert [h.source["source_record_id"] for h in screened.shown] == ["R1", "R3"]
    assert screened.kept_back == 1


def test_withholding_names_items_of_its_own_organisation_only() -> None:
    """A withheld id at RC9 does not hide the same id from another organisation."""
    hits = [item_hit("result", "R2", org="RC9"), item_hit("result", "R2", org="RD8")]

    screened = screen(hits, alone(state(withholding("R2", org="RC9"))), NOW)

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
    screened = screen([item_hit(confidentiality=labels)], alone(state()), NOW)

    assert len(screened.shown) == (1 if shown else 0)


@pytest.mark.parametrize(
    "record_type", ["condition", "allergy", "immunisation", "procedure", "document"]
)
def test_the_newer_record_types_are_screened_by_label_like_the_others(record_type: str) -> None:
    """A problem, allergy, immunisation, procedure or document labelled HIV or V is kept back; unlabelled, shown."""
    hits = [item_hit(record_type, "X1", confidentiality=("hiv",)),
            item_hit(record_type, "X2", confidentiality=("V",)), item_hit(record_type, "X3")]  # fmt: skip
    screened = screen(hits, alone(state()), NOW)
    assert ([h.source["source_record_id"] for h in screened.shown], screened.kept_back) == (
        ["X3"], 2)  # fmt: skip


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
    assert screen([hit], alone(state()), NOW).shown == ()


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

    body, kept_back = search_body(hits, ReadConsent(states), NOW)

    assert body["persons"][0] == {"person_id": PERSON_A, "objects_to_sharing": True}
    assert body["persons"][1]["demographics"]["family_name"] == "Otherwoman"
    assert (body["count"], kept_back) == (2, 1)


def test_search_shows_the_newest_demographics_once_per_person() -> None:
    """Two organisations' patient documents give one entry, from the newest one."""
    hits = [
        patient_hit(org="RC9", family_name="Old", recorded_at="2020-01-01T00:00:00Z"),
        patient_hit(org="E81001", family_name="New", recorded_at="2024-01-01T00:00:00Z"),
    ]

    body, _ = search_body(hits, alone(state()), NOW)

    assert body["count"] == 1
    assert body["persons"][0]["demographics"]["family_name"] == "New"
    assert body["persons"][0]["sources"] == 2
    assert "address_lines" not in body["persons"][0]["demographics"]


def test_record_body_counts_what_was_kept_back_and_says_so() -> None:
    """Withheld and sensitive items are counted in kept_back with a note, never described."""
    consent = alone(state(withholding("R2")))
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
    results = section("result", ItemPage(1, (hit,)), alone(state()), NOW, number=1, size=50)

    item = record_body(PERSON_A, Screened((), 0), [results])["results"]["items"][0]

    assert item["confidentiality"] == ["R"]
    assert item["result"]["value_quantity"] == 13.2
    assert (item["org"], item["id"]) == ("RC9", "result|RC9|R1")
    assert "kafka" not in item


def test_has_more_follows_total_and_page() -> None:
    """has_more is true while page * page_size is below the total."""
    page = ItemPage(120, tuple(item_hit("result", f"R{i}") for i in range(50)))

    first = section("result", page, alone(state()), NOW, number=2, size=50)
    last = section("result", page, alone(state()), NOW, number=3, size=50)
    body = record_body(PERSON_A, Screened((), 0), [first])
    body_last = record_body(PERSON_A, Screened((), 0), [last])

    assert (body["results"]["has_more"], body_last["results"]["has_more"]) == (True, False)


# After a merge of PERSON_B into PERSON_A the consent stage moves B's source keys (and with
# them every preference that came from those keys) to A at once, while B's documents keep
# person_id B until the projection re-keys them: B's own state is then empty.
MOVED = {"RC9:H7": PERSON_A, "E81001:L7": PERSON_A}


def test_a_document_is_judged_by_its_source_key_owner_too() -> None:
    """A document still carrying the retired person is screened with the preferences of the
    person its source key belongs to now: the withheld item stays back."""
    hits = [
        item_hit("result", "R1", person_id=PERSON_B, local_id="H7"),
        item_hit("result", "R2", person_id=PERSON_B, local_id="H7"),
    ]
    read = ReadConsent({PERSON_B: state(), PERSON_A: state(withholding("R2"))}, MOVED)

    screened = screen(hits, read, NOW)

    assert [h.source["source_record_id"] for h in screened.shown] == ["R1"]
    assert (screened.kept_back, read.persons(hits[0])) == (1, (PERSON_B, PERSON_A))


def test_the_documents_own_person_still_counts_when_the_key_moved() -> None:
    """Either state saying no keeps a document back: the person it carries withholds R2, the
    key's new owner has no preferences."""
    hits = [item_hit("result", "R2", person_id=PERSON_B, local_id="H7")]
    read = ReadConsent({PERSON_B: state(withholding("R2")), PERSON_A: state()}, MOVED)

    assert screen(hits, read, NOW) == Screened((), 1)


def test_an_objecting_key_owner_makes_the_record_an_objection() -> None:
    """Keys of the record owned by another person who objects name that person; keys owned by
    the record's person, or that no identity change named, name nobody."""
    read = ReadConsent({PERSON_B: state(), PERSON_A: state(objection())}, MOVED)

    assert objecting_owners(PERSON_B, {"RC9:H7", "RD8:X1"}, read, NOW) == (PERSON_A,)
    assert objecting_owners(PERSON_B, {"RD8:X1"}, read, NOW) == ()
    assert objecting_owners(PERSON_A, {"RC9:H7"}, read, NOW) == ()


def test_a_key_owner_who_does_not_object_leaves_the_record_alone() -> None:
    """An owner without an objection is not an objection (only their item rules apply)."""
    read = ReadConsent({PERSON_B: state(), PERSON_A: state(withholding("R9"))}, MOVED)

    assert objecting_owners(PERSON_B, MOVED, read, NOW) == ()


def test_search_lists_a_person_owned_by_an_objector_as_objecting() -> None:
    """A search hit whose source key belongs to a person who objects lists its person as
    objecting, without demographics, although their own state is empty."""
    hits = [patient_hit(PERSON_B, local_id="L7"), patient_hit("person-c", local_id="L8")]
    states = {PERSON_B: state(), PERSON_A: state(objection()), "person-c": state()}

    body, kept_back = search_body(hits, ReadConsent(states, MOVED), NOW)

    assert body["persons"][0] == {"person_id": PERSON_B, "objects_to_sharing": True}
    assert body["persons"][1]["demographics"]["family_name"] == "Testwoman"
    assert kept_back == 1


def test_a_person_missing_from_the_states_is_a_bug_not_an_empty_state() -> None:
    """A document whose person's state was not read fails (no data) instead of passing."""
    with pytest.raises(KeyError):
        screen([item_hit(person_id=PERSON_B)], alone(state()), NOW)


def test_a_v_patient_document_hides_contact_details_from_every_organisation() -> None:
    """One organisation's patient document labelled V is kept back, and the address lines,
    postcode and phone of the others' documents are not shown either; the body says so."""
    patients = [
        patient_hit(org="E81001", confidentiality=("V",)),
        patient_hit(org="RC9", source_record_id="PAT2", recorded_at="2024-02-01T00:00:00Z"),
    ]
    screened = screen(patients, alone(state()), NOW)

    body = record_body(PERSON_A, screened, [], contact_hidden=hides_contact(patients))

    shown = body["demographics"]
    assert [d["org"] for d in shown] == ["RC9"] and body["contact_details_hidden"] is True
    assert (shown[0]["address_lines"], shown[0]["postcode"], shown[0]["phone"]) == (None,) * 3
    assert shown[0]["family_name"] == "Testwoman" and "1 Example Street" not in str(body)


@pytest.mark.parametrize(
    ("hit", "hides"),
    [(patient_hit(confidentiality=("R",)), False), (patient_hit(), False),
     (item_hit(confidentiality=("V",)), False), (patient_hit(confidentiality=("V",)), True),
     (patient_hit(confidentiality=("N", "V")), True),
     (patient_hit(confidentiality=("V",), deleted=True), False)],
)  # fmt: skip
def test_only_a_live_v_patient_document_hides_contact(hit: Hit, hides: bool) -> None:
    """R, no label, a V item or a deleted V patient document leave contact details alone."""
    assert hides_contact([hit]) is hides


def test_record_without_v_shows_contact_details() -> None:
    """Without a V patient document the address is shown and the flag is false."""
    body = record_body(PERSON_A, screen([patient_hit()], alone(state()), NOW), [])

    assert body["contact_details_hidden"] is False
    assert body["demographics"][0]["address_lines"] == ["1 Example Street"]


def test_search_leaves_out_the_postcode_of_a_person_hiding_contact() -> None:
    """A person named in contact_hidden (a V patient document found or not) has no postcode
    in the search, and the entry says why; others keep theirs."""
    hits = [patient_hit(PERSON_A), patient_hit(PERSON_B, family_name="Otherwoman")]
    read = ReadConsent({PERSON_A: state(), PERSON_B: state()})

    body, _ = search_body(hits, read, NOW, contact_hidden={PERSON_A})

    first, second = body["persons"]
    assert (first["demographics"]["postcode"], first["contact_details_hidden"]) == (None, True)
    assert (second["demographics"]["postcode"], second["contact_details_hidden"]) == (
        "LU1 1AA",
        False,
    )


@pytest.mark.parametrize(
    ("record_type", "field", "code"),
    [
        ("result", "code", {"system": "LOINC", "code": "75622-1", "display": "HIV Ag/Ab"}),
        ("condition", "code", {"system": "SNOMED", "code": "93461009", "display": None}),
        ("medication", "medication", {"system": "DMD", "code": "1", "display": None}),
        ("allergy", "reactions", [{"system": "ICD10", "code": "O04.9", "display": None}]),
        ("immunisation", "vaccine", {"system": "SNOMED", "code": "52637005", "display": None}),
    ],
)
def test_a_document_with_a_listed_code_and_no_label_is_kept_back(
    record_type: str, field: str, code: object
) -> None:
    """Consent at read judges codes as well as labels: a document indexed before its code
    was listed is hidden once the list has it (DMD code 1 is on no list: shown)."""
    hit = item_hit(record_type, "X1")
    hit.source[record_type][field] = code
    screened = screen([hit, item_hit(record_type, "X2")], alone(state()), NOW)
    kept = 0 if record_type == "medication" else 1
    assert ([h.source["source_record_id"] for h in screened.shown], screened.kept_back) == (
        ["X2"] if kept else ["X1", "X2"], kept)  # fmt: skip
