"""ORU^R01 -> one result event per OBX."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from producers.hl7v2 import events_from_hl7v2
from producers.model import AdapterResult, Rejection

from .builders import (
    NHS_NUMBER,
    ORG,
    SOURCE_SYSTEM,
    counts,
    message,
    msh,
    pid,
    read_fixture,
    segment,
)

OBR = segment(
    "OBR",
    {
        1: "1",
        2: "PLAC1^ICE",
        3: "FILL1^WINPATH",
        4: "UE^Urea and electrolytes^WINPATH",
        7: "20240612080000",
        22: "20240612120000",
    },
)


def _obx(**fields: str) -> str:
    """An OBX for serum potassium; keyword ``f<n>`` overrides field n (empty string clears)."""
    values = {1: "1", 2: "NM", 3: "2823-3^Potassium^LN", 5: "4.1", 6: "mmol/L", 7: "3.5-5.3"}
    values.update({8: "N", 11: "F", 14: "20240612081000"})
    values.update({int(key[1:]): value for key, value in fields.items()})
    return segment("OBX", values)


def _map(*segments: str) -> AdapterResult:
    text = message(msh("ORU^R01^ORU_R01", "LAB0001"), pid(), *segments)
    return events_from_hl7v2(text, org=ORG, source_system=SOURCE_SYSTEM)


def _only(result: AdapterResult) -> dict[str, Any]:
    assert result.rejections == []
    (event,) = result.events
    return event.payload


@pytest.mark.parametrize(
    ("sample", "results", "skipped"),
    [
        ("microsoft-fhir-converter/LAB-ORU-1.hl7", 8, {"OBX without a result (OBX-11 I)": 2}),
        ("microsoft-fhir-converter/LAB-ORU-2.hl7", 10, {}),
        ("microsoft-fhir-converter/LRI_2.0-NG_CBC_Typ_Message.hl7", 28, {}),
        (
            "microsoft-fhir-converter/ORU-R01-01.hl7",
            1,
            {
                "OBX outside an order (no OBR)": 2,
                "OBX value type RP": 1,
                "OBX without a result (OBX-11 I)": 1,
            },
        ),
        ("microsoft-fhir-converter/ORU-R01-RMGEAD.hl7", 1, {}),
        ("python-hl7/sample_hl7.hl7", 2, {}),
        ("python-hl7/rep_sample_hl7.hl7", 0, {}),
    ],
)
def test_oru_samples_map_to_expected_results(
    sample: str, results: int, skipped: dict[str, int]
) -> None:
    """Each ORU sample gives exactly this many result events and skips."""
    result = events_from_hl7v2(read_fixture(sample), org=ORG, source_system=SOURCE_SYSTEM)
    expected = {"result": results} if results else {}
    assert (counts(result), result.skipped, result.rejections) == (expected, skipped, [])


def test_uk_potassium_result_fields() -> None:
    """Every field of one synthetic UK result, written out."""
    spm = segment("SPM", {1: "1", 4: "119364003^Serum specimen^SCT"})
    payload = _only(_map(OBR, _obx(f23="WINPATH LAB^^^^^^^^^RC971"), spm))
    header = payload.pop("header")
    assert (header["source_record_id"], header["nhs_number"]) == ("FILL1/1", NHS_NUMBER)
    assert header["occurred_at"] == datetime(2024, 6, 12, 7, 10, tzinfo=UTC)
    assert header["operation"] == "UPSERT"
    assert payload == {
        "code": {"system": "LOINC", "code": "2823-3", "display": "Potassium"},
        "panel": {"system": "LOCAL", "code": "UE", "display": "Urea and electrolytes"},
        "status": "FINAL",
        "value_quantity": 4.1,
        "value_text": None,
        "unit": "mmol/L",
        "reference_low": 3.5,
        "reference_high": 5.3,
        "reference_text": "3.5-5.3",
        "abnormal_flag": "NORMAL",
        "specimen": "Serum specimen",
        "issued_at": datetime(2024, 6, 12, 11, 0, tzinfo=UTC),
        "performer_org": "RC971",
    }


@pytest.mark.parametrize(
    ("code", "status", "operation"),
    [
        ("F", "FINAL", "UPSERT"),
        ("U", "FINAL", "UPSERT"),
        ("C", "AMENDED", "UPSERT"),
        ("A", "AMENDED", "UPSERT"),
        ("P", "PRELIMINARY", "UPSERT"),
        ("R", "PRELIMINARY", "UPSERT"),
        ("S", "PRELIMINARY", "UPSERT"),
        ("X", "CANCELLED", "UPSERT"),
        ("W", "FINAL", "ENTERED_IN_ERROR"),
        ("D", "FINAL", "DELETE"),
    ],
)
def test_result_status_and_operation(code: str, status: str, operation: str) -> None:
    """OBX-11 -> status and header operation (W is entered in error)."""
    payload = _only(_map(OBR, _obx(f11=code)))
    assert (payload["status"], payload["header"]["operation"]) == (status, operation)


@pytest.mark.parametrize("code", ["I", "O", "N"])
def test_results_not_yet_available_are_skipped(code: str) -> None:
    """I, O and N carry no result: counted in skipped, not rejected."""
    result = _map(OBR, _obx(f11=code))
    assert (result.events, result.rejections) == ([], [])
    assert result.skipped == {f"OBX without a result (OBX-11 {code})": 1}


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"f11": ""}, "OBX-11: result status missing"),
        ({"f11": "Q"}, "OBX-11: unknown result status"),
        ({"f3": ""}, "OBX-3: observation identifier missing"),
        ({"f14": "12/06/2024"}, "OBX-14: not a valid HL7 date/time"),
    ],
)
def test_a_bad_obx_is_rejected_alone(overrides: dict[str, str], reason: str) -> None:
    """One bad OBX is rejected with its location; the next OBX of the message still maps."""
    result = _map(OBR, _obx(**overrides), _obx(f1="2"))
    assert result.rejections == [Rejection("message 1 OBX (segment 4)", reason)]
    assert [e.payload["header"]["source_record_id"] for e in result.events] == ["FILL1/2"]


@pytest.mark.parametrize(
    ("value_type", "value", "quantity", "text"),
    [
        ("NM", "4.1", 4.1, None),
        ("NM", "-0.5", -0.5, None),
        ("NM", ">10", None, ">10"),
        ("NM", "", None, None),
        ("SN", "^182", 182.0, None),
        ("SN", "=^182", 182.0, None),
        ("SN", "<^5", None, "<5"),
        ("SN", "^1^:^128", None, "1:128"),
        ("CWE", "260415000^not detected^SCT", None, "not detected"),
        ("CE", "POS", None, "POS"),
        ("ST", "Haemolysed sample", None, "Haemolysed sample"),
        ("TX", "line one~line two", None, "line one\nline two"),
        ("FT", "first\\.br\\second", None, "first\nsecond"),
    ],
)
def test_value_by_type(
    value_type: str, value: str, quantity: float | None, text: str | None
) -> None:
    """OBX-2 decides between value_quantity and value_text; nothing is silently dropped."""
    payload = _only(_map(OBR, _obx(f2=value_type, f5=value)))
    assert (payload["value_quantity"], payload["value_text"]) == (quantity, text)


@pytest.mark.parametrize(
    ("written", "low", "high"),
    [
        ("3.5-5.0", 3.5, 5.0),
        ("3.5 - 5.0", 3.5, 5.0),
        ("4.3 to 6.2", 4.3, 6.2),
        ("70_105", 70.0, 105.0),
        ("-1.5-2", -1.5, 2.0),
        ("<5", None, 5.0),
        ("<= 5", None, 5.0),
        (">2", 2.0, None),
        (">=2", 2.0, None),
        ("negative", None, None),
    ],
)
def test_reference_range(written: str, low: float | None, high: float | None) -> None:
    """OBX-7 gives low/high where it can; reference_text always keeps the range as written."""
    payload = _only(_map(OBR, _obx(f7=written)))
    assert (payload["reference_low"], payload["reference_high"]) == (low, high)
    assert payload["reference_text"] == written


@pytest.mark.parametrize(
    ("flag", "symbol"),
    [
        ("N", "NORMAL"),
        ("L", "LOW"),
        ("H", "HIGH"),
        ("LL", "CRITICAL_LOW"),
        ("HH", "CRITICAL_HIGH"),
        ("A", "ABNORMAL"),
        ("AA", "ABNORMAL"),
        ("A^Abnormal^HL70078", "ABNORMAL"),
        ("<", "UNKNOWN"),
        ("", None),
    ],
)
def test_abnormal_flag(flag: str, symbol: str | None) -> None:
    """OBX-8 (HL7 table 0078) -> AbnormalFlag; unknown flags are UNKNOWN, none is None."""
    assert _only(_map(OBR, _obx(f8=flag)))["abnormal_flag"] == symbol


@pytest.mark.parametrize(
    ("identifier", "code"),
    [
        ("2823-3^Potassium^LN", {"system": "LOINC", "code": "2823-3", "display": "Potassium"}),
        (
            "1000^K^99WP^2823-3^Potassium^LN",
            {"system": "LOINC", "code": "2823-3", "display": "Potassium"},
        ),
        (
            "365760004^Potassium level^SCT",
            {"system": "SNOMED", "code": "365760004", "display": "Potassium level"},
        ),
        ("K^Potassium^WINPATH", {"system": "LOCAL", "code": "K", "display": "Potassium"}),
        ("K", {"system": "LOCAL", "code": "K", "display": None}),
    ],
)
def test_observation_code_systems(identifier: str, code: dict[str, Any]) -> None:
    """OBX-3: LN -> LOINC, SCT -> SNOMED (the alternate triplet when the primary is local)."""
    assert _only(_map(OBR, _obx(f3=identifier)))["code"] == code


@pytest.mark.parametrize(
    ("obr_fields", "obx_fields", "source_record_id"),
    [
        ({2: "PLAC1", 3: "FILL1"}, {}, "FILL1/1"),
        ({2: "PLAC1"}, {}, "PLAC1/1"),
        ({3: "FILL1"}, {"f1": "", "f4": "a"}, "FILL1/2823-3.a"),
        ({3: "FILL1"}, {"f1": ""}, "FILL1/2823-3"),
    ],
)
def test_source_record_id(
    obr_fields: dict[int, str], obx_fields: dict[str, str], source_record_id: str
) -> None:
    """Filler (else placer) order number, then OBX set id (else code and sub-id)."""
    payload = _only(_map(segment("OBR", {1: "1", **obr_fields}), _obx(**obx_fields)))
    assert payload["header"]["source_record_id"] == source_record_id


def test_order_without_numbers_rejects_its_results() -> None:
    """No filler and no placer number: no stable id, so the OBX is rejected."""
    result = _map(segment("OBR", {1: "1", 4: "UE"}), _obx())
    assert result.rejections == [
        Rejection("message 1 OBX (segment 4)", "OBR-3: filler and placer order numbers missing")
    ]


def test_times_fall_back_to_obr7_then_msh7() -> None:
    """occurred_at is OBX-14, else OBR-7, else MSH-7 (all UK local time here)."""
    no_obr_time = segment("OBR", {1: "1", 3: "F2"})
    with_obr = _only(_map(OBR, _obx(f14="")))
    with_msh = _only(_map(no_obr_time, _obx(f14="")))
    assert with_obr["header"]["occurred_at"] == datetime(2024, 6, 12, 7, 0, tzinfo=UTC)
    assert with_msh["header"]["occurred_at"] == datetime(2024, 6, 12, 8, 30, tzinfo=UTC)
    assert with_msh["issued_at"] is None


def test_obx_before_any_obr_and_embedded_documents_are_skipped() -> None:
    """Patient-level OBX (no OBR) and ED/RP values are counted, not mapped."""
    result = _map(_obx(), OBR, _obx(f1="2", f2="ED", f5="^TEXT^^Base64^AAAA"), _obx(f1="3"))
    assert [e.payload["header"]["source_record_id"] for e in result.events] == ["FILL1/3"]
    assert result.skipped == {"OBX outside an order (no OBR)": 1, "OBX value type ED": 1}


def test_each_patient_of_a_multi_patient_oru_gets_its_own_results() -> None:
    """An ORU with two PIDs keys each OBX to the PID before it."""
    second = pid("RC9999^^^RC971^MR", f32="")
    text = message(msh("ORU^R01"), pid(), OBR, _obx(), second, OBR, _obx())
    result = events_from_hl7v2(text, org=ORG, source_system=SOURCE_SYSTEM)
    patients = [e.payload["header"]["local_patient_id"] for e in result.events]
    assert patients == ["RC9123456", "RC9999"]
    assert [e.payload["header"]["nhs_number_status"] for e in result.events] == [
        "VERIFIED",
        "ABSENT",
    ]
