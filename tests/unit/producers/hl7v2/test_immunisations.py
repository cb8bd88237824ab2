"""VXU^V04 vaccination messages -> immunisation events (RXA with RXR and OBX)."""

from __future__ import annotations

from datetime import date

import pytest

from producers.hl7v2 import events_from_hl7v2
from producers.model import AdapterResult, Rejection
from producers.sdk import event_problems

from .builders import ORG, SOURCE_SYSTEM, message, msh, pid, read_fixture, segment

ORC = segment("ORC", {1: "RE", 3: "IMM-5521^SYSTMONE", 21: "Hightown Surgery^^^^^^^^^E81046"})
RXR = segment("RXR", {1: "78421000^Intramuscular route^SCT", 2: "LD^Left deltoid^HL70163"})
DOSE = segment("OBX", {1: "1", 2: "NM", 3: "30973-4^Dose number in series^LN", 4: "1",
                       5: "2", 11: "F"})  # fmt: skip
FUNDING = segment("OBX", {1: "2", 2: "CE", 3: "30963-3^Vaccine funding source^LN", 4: "1",
                          5: "PHC70^Private^CDCPHINVS", 11: "F"})  # fmt: skip


def _rxa(**fields: str) -> str:
    """An RXA for a dose of an influenza vaccine (dm+d VMP) given on 12 Oct 2023;
    ``f<n>`` overrides field n."""
    values = {1: "0", 2: "1", 3: "20231012101500",
              5: "39114911000001105^Influenza vaccine suspension for injection^DMD", 6: "0.5",
              7: "mL^mL^UCUM", 9: "00^New immunization record^NIP001",
              10: "C123^WHO^NURSE", 11: "^^^E81046", 15: "FLU-2023-118", 20: "CP", 21: "A"}  # fmt: skip
    values.update({int(key[1:]): value for key, value in fields.items()})
    return segment("RXA", values)


def _map(*segments: str) -> AdapterResult:
    text = message(msh("VXU^V04^VXU_V04", "VXU0001"), pid(), *segments)
    return events_from_hl7v2(text, org=ORG, source_system=SOURCE_SYSTEM)


def _immunisations(result: AdapterResult) -> list[dict[str, object]]:
    assert all(e.record_type.value == "immunisation" for e in result.events)
    return [e.payload for e in result.events]


def test_an_rxa_group_is_one_immunisation() -> None:
    """Vaccine, date, lot, route and site from RXR, dose number from its OBX, ODS performer;
    no nurse's name, no funding observation."""
    result = _map(ORC, _rxa(), RXR, DOSE, FUNDING)
    assert result.rejections == []
    assert event_problems(result.events[0]) == []
    [given] = _immunisations(result)
    header = given.pop("header")
    assert given == {
        "vaccine": {"system": "DMD", "code": "39114911000001105",
                    "display": "Influenza vaccine suspension for injection"},
        "status": "COMPLETED", "occurrence_date": date(2023, 10, 12), "primary_source": True,
        "lot_number": "FLU-2023-118", "site": "Left deltoid", "route": "Intramuscular route",
        "dose_number": 2, "performer_org": "E81046",
    }  # fmt: skip
    assert header["source_record_id"] == "IMM-5521"  # type: ignore[index]
    assert header["occurred_at"].isoformat() == "2023-10-12T09:15:00+00:00"  # type: ignore[index]
    assert "WHO" not in repr(result.events)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"f20": "RE"}, ("NOT_DONE", True, "UPSERT")),
        ({"f20": "NA"}, ("NOT_DONE", True, "UPSERT")),
        ({"f20": "PA"}, ("COMPLETED", True, "UPSERT")),
        ({"f20": ""}, ("COMPLETED", True, "UPSERT")),
        ({"f9": "01^Historical information - source unspecified^NIP001"},
         ("COMPLETED", False, "UPSERT")),
        ({"f9": ""}, ("COMPLETED", True, "UPSERT")),
        ({"f21": "D"}, ("COMPLETED", True, "DELETE")),
    ],
)  # fmt: skip
def test_completion_source_and_action(
    fields: dict[str, str], expected: tuple[str, bool, str]
) -> None:
    """RXA-20 (table 0322), RXA-9 (NIP001: 00 is first hand) and RXA-21 (D deletes)."""
    [given] = _immunisations(_map(ORC, _rxa(**fields)))
    found = (given["status"], given["primary_source"], given["header"]["operation"])  # type: ignore[index]
    assert found == expected


def test_groups_without_orc_and_ids_fall_back_in_order() -> None:
    """ORC-3, else ORC-2, else patient/vaccine/date; a v2.3.1 RXA without ORC maps too, and
    a facility that is not an ODS code is left out (ORC-21's XON-10 is the fallback)."""
    placer_only = segment("ORC", {1: "RE", 2: "PL-9", 21: "Clinic^^^^^^^^^RC9"})
    result = _map(placer_only, _rxa(f11="^^^Clinic 4"), _rxa(f3="20220101", f11=""))
    first, second = _immunisations(result)
    assert first["header"]["source_record_id"] == "PL-9"  # type: ignore[index]
    assert first["performer_org"] == "RC9"
    expected = "RC9123456/RXA/39114911000001105/20220101"
    assert (second["header"]["source_record_id"], second["performer_org"]) == (expected, None)  # type: ignore[index]


def test_a_dose_number_that_is_not_whole_is_left_out() -> None:
    """OBX 30973-4 with a text value gives no dose number (never a guess)."""
    odd = segment("OBX", {1: "1", 2: "ST", 3: "30973-4^Dose number^LN", 5: "booster"})
    assert _immunisations(_map(ORC, _rxa(), odd))[0]["dose_number"] is None


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"f5": ""}, "RXA-5: administered code missing"),
        ({"f3": "12/10/2023"}, "RXA-3: not a valid HL7 date"),
    ],
)
def test_an_rxa_at_fault_is_rejected_alone_naming_the_field(
    fields: dict[str, str], reason: str
) -> None:
    """The bad RXA is a rejection at its segment; the other vaccination still maps."""
    result = _map(ORC, _rxa(), segment("ORC", {1: "RE", 3: "IMM-2"}), _rxa(**fields))
    assert result.rejections == [Rejection("message 1 RXA (segment 6)", reason)]
    assert [g["header"]["source_record_id"] for g in _immunisations(result)] == ["IMM-5521"]  # type: ignore[index]


def test_a_message_without_rxa_is_rejected() -> None:
    """VXU needs at least one vaccination."""
    result = _map(ORC)
    assert result.rejections == [Rejection("message 1", "RXA: segment missing")]


def test_the_microsoft_vxu_sample_gives_three_vaccinations() -> None:
    """VXU.hl7 (v2.5.1, NIST): one new record with route and site, two historical flu doses
    (CVX and NDC codes are LOCAL to us)."""
    result = events_from_hl7v2(read_fixture("microsoft-fhir-converter/VXU.hl7"), org=ORG,
                               source_system=SOURCE_SYSTEM)  # fmt: skip
    new, *historical = _immunisations(result)
    assert (new["route"], new["site"], new["lot_number"]) == (
        "Intramuscular", "Right Deltoid", "315841")  # fmt: skip
    assert [h["primary_source"] for h in historical] == [False, False]
    assert [h["header"]["source_record_id"] for h in historical] == ["38760", "35508"]  # type: ignore[index]
    assert {g["vaccine"]["system"] for g in (new, *historical)} == {"LOCAL"}  # type: ignore[index]
