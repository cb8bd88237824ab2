"""The de-identifying transform, the categories and the keyed pseudonyms (pure)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from schemas.codec import decode_record, encode_record
from schemas.events import SourceEvent
from streams.deid.classes import OTHER, age_band, district, iso_week, load_classes
from streams.deid.pseudonyms import PlanningKey, PlanningKeyError, Pseudonymiser, load_key
from streams.deid.transform import deidentify
from tests.unit.projections.builders import (
    allergy_event,
    condition_event,
    document_event,
    encounter_event,
    immunisation_event,
    medication_event,
    patient_event,
    procedure_event,
    result_event,
)
from tests.unit.streams.consent.builders import consent_event, labelled

KEY = PlanningKey(b"k" * 32)
OLD_KEY = PlanningKey(b"o" * 32)
PSEUDONYMS = Pseudonymiser(KEY, [OLD_KEY])
CLASSES = load_classes()


def _planned(event: SourceEvent) -> dict[str, object] | None:
    return deidentify(event.record_type, event.payload, person_id="person-1",
                      source_key=event.key, pseudonyms=PSEUDONYMS, classes=CLASSES)  # fmt: skip


@pytest.mark.parametrize(
    ("birth", "on", "band"),
    [
        (date(2020, 6, 1), date(2024, 5, 31), "0-4"),
        (date(2020, 6, 1), date(2025, 6, 1), "5-17"),
        (date(1970, 1, 1), date(2024, 3, 1), "45-64"),
        (date(1930, 1, 1), date(2024, 3, 1), "85+"),
        (date(2030, 1, 1), date(2024, 3, 1), None),
        (None, date(2024, 3, 1), None),
    ],
)
def test_age_band(birth: date | None, on: date, band: str | None) -> None:
    """Age bands follow birthdays exactly and say nothing for unknown or future births."""
    assert age_band(birth, on) == band


@pytest.mark.parametrize(
    ("postcode", "expected"),
    [("LU1 1AA", "LU1"), ("mk9 2dr", "MK9"), ("SG181AB", "SG18"), ("EC1A 1BB", "EC1A"),
     ("LU1", None), ("not a postcode", None), (None, None)],
)  # fmt: skip
def test_district_keeps_the_outward_code_only(postcode: str | None, expected: str | None) -> None:
    """Only the district of a full postcode passes; anything else gives nothing."""
    assert district(postcode) == expected


def test_iso_week() -> None:
    """ISO weeks, including the week-year boundary."""
    assert iso_week(date(2024, 3, 1)) == "2024-W09"
    assert iso_week(datetime(2021, 1, 3, 23, 59)) == "2020-W53"


def test_patient_event_keeps_bands_not_identifiers() -> None:
    """A patient event gives age band, sex and district, and no identifier survives."""
    event = patient_event(serial=3)
    planned = _planned(event)
    assert planned is not None
    assert (planned["age_band"], planned["sex"], planned["district"]) == ("45-64", "FEMALE", "LU1")
    assert planned["iso_week"] == "2024-W09" and planned["org_kind"] == "acute"
    text = repr(decode_record(encode_record("planning_event", planned)).payload)
    header = event.payload["header"]
    for identifier in ("Testpatient", "Alexa", header["nhs_number"], "1970", "LU1 1AA",
                       "Example Street", "P001", "R001", "person-1", "09:3"):  # fmt: skip
        assert identifier not in text


def test_pseudonyms_are_keyed_and_stable() -> None:
    """The same person gives the same pseudonym under one key, another under another key."""
    assert PSEUDONYMS.person("p") == PSEUDONYMS.person("p") != PSEUDONYMS.person("q")
    other = Pseudonymiser(OLD_KEY)
    assert other.person("p") != PSEUDONYMS.person("p")
    assert PSEUDONYMS.person_under_every_key("p") == (PSEUDONYMS.person("p"), other.person("p"))
    assert PSEUDONYMS.person("p") != PSEUDONYMS.source("p")
    assert "k" * 8 not in repr(KEY)


def test_key_files(tmp_path: Path) -> None:
    """Hex key files load; short or missing ones are refused without showing the key."""
    good, short = tmp_path / "good", tmp_path / "short"
    good.write_text("ab" * 32)
    short.write_text("ab" * 8)
    assert load_key(good).secret == bytes.fromhex("ab" * 32)
    with pytest.raises(PlanningKeyError, match="at least 32 bytes"):
        load_key(short)
    with pytest.raises(PlanningKeyError, match="cannot be read"):
        load_key(tmp_path / "missing")
    with pytest.raises(PlanningKeyError, match="not set"):
        load_key("")


def test_activity_events_keep_known_classes_only() -> None:
    """Services, tests and medicines become known categories or 'other', never free text."""
    encounter = _planned(encounter_event())
    assert encounter is not None and encounter["service"] == "Cardiology"
    unknown = encounter_event()
    unknown.payload["service"] = "Seen by Dr Smith at home"
    assert (_planned(unknown) or {})["service"] == OTHER
    result = _planned(result_event())
    assert result is not None and result["test"] == OTHER
    medication = _planned(medication_event())
    assert medication is not None and medication["medicine_class"] == OTHER
    assert medication["active"] is True and medication["iso_week"] == "2024-W05"


def test_sensitive_and_consent_events_stay_out() -> None:
    """Sensitive labels and consent events give no planning event."""
    assert _planned(labelled(encounter_event(), "sexual-health")) is None
    assert _planned(labelled(result_event(), "V")) is None
    assert _planned(consent_event("TYPE_1_OPT_OUT")) is None


def test_only_laboratory_results_are_planned() -> None:
    """Vital signs and other observations beyond the laboratory have no planning classes;
    a result without a category (written with result v1) is a laboratory one."""
    vital = result_event()
    vital.payload["category"] = "VITAL_SIGNS"
    assert _planned(vital) is None
    older = result_event()
    del older.payload["category"]
    assert _planned(older) is not None


def test_problems_allergies_immunisations_procedures_and_documents_are_not_planned() -> None:
    """The planning feed has no classes for them yet: they stay out, whatever their labels."""
    for event in (
        condition_event(),
        allergy_event(),
        immunisation_event(),
        procedure_event(),
        document_event(),
    ):
        assert _planned(event) is None


@pytest.mark.parametrize(
    ("code", "kind"),
    [("RC9", "acute"), ("RWK", "community_mental_health"), ("E81001", "gp_practice"),
     ("00KB", "social_care"), ("ZZZ", OTHER)],
)  # fmt: skip
def test_org_kind(code: str, kind: str) -> None:
    """Organisation kinds from the list, then from ODS code patterns."""
    assert CLASSES.org_kind(code) == kind


def test_a_listed_code_without_a_label_stays_out_of_planning() -> None:
    """An HIV test result with no label gives no planning event, like a labelled one."""
    hiv = result_event()
    hiv.payload["code"] = {"system": "LOINC", "code": "56888-1", "display": None}
    assert _planned(hiv) is None
    assert _planned(result_event()) is not None
