"""The adapter end to end: routing, rejections, deterministic ids, Avro conformance."""

from __future__ import annotations

import io
import uuid

import fastavro
import pytest

from producers.hl7v2 import events_from_hl7v2
from producers.model import AdapterResult, Rejection

from .builders import (
    BAD_CHECK_DIGIT,
    HL7_FIXTURES,
    NHS_NUMBER,
    ORG,
    SOURCE_SYSTEM,
    message,
    msh,
    newest_schema,
    pid,
    read_fixture,
    segment,
    uk_admission,
)

BAD_SAMPLES = {
    "sample_bad_batch.hl7",
    "sample_bad_batch1.hl7",
    "sample_bad_file.hl7",
    "sample_bad_file1.hl7",
    "sample_bad_file2.hl7",
    "sample_bad_file3.hl7",
    # PRB-2 action date/time has 16 digits and no dot: not an HL7 TS, so the PRB is rejected
    # naming PRB-2 (tests/unit/producers/hl7v2/test_problems.py).
    "PC1-Problem-Add-v2.3.1.hl7",
    "PC1-Problem-Update-v2.3.1.hl7",
    "PC1-Problem-Delete-v2.3.1.hl7",
    # The ED OBX-5 of these MDM samples holds no data (``^application^pdf^Base64^``): the
    # document is refused naming OBX-5.5 (tests/unit/producers/hl7v2/test_documents.py).
    "MDM-T02-01.hl7",
    "MDM-T06-01.hl7",
    "MDM-T10-01.hl7",
}
ALL_SAMPLES = sorted(str(p.relative_to(HL7_FIXTURES)) for p in HL7_FIXTURES.glob("*/*.hl7"))


def _map(text: str, org: str = ORG) -> AdapterResult:
    return events_from_hl7v2(text, org=org, source_system=SOURCE_SYSTEM)


def test_all_shared_samples_are_present() -> None:
    """The fixture README promises 160 HL7 v2 files; the tests below read all of them."""
    assert len(ALL_SAMPLES) == 160


@pytest.mark.parametrize("sample", ALL_SAMPLES)
def test_every_event_encodes_against_the_newest_schema(sample: str) -> None:
    """Each payload from each sample writes and reads back with the newest Avro schema."""
    result = _map(read_fixture(sample))
    for event in result.events:
        schema = newest_schema(event.record_type.value)
        buffer = io.BytesIO()
        fastavro.schemaless_writer(buffer, schema, event.payload)
        buffer.seek(0)
        decoded = fastavro.schemaless_reader(buffer, schema, schema)
        assert decoded["header"]["event_id"] == event.payload["header"]["event_id"]  # type: ignore[call-overload,index]
    good = sample.rsplit("/", 1)[-1] not in BAD_SAMPLES
    assert (result.rejections == []) is good


def test_synthetic_uk_events_encode_against_the_newest_schema() -> None:
    """The synthetic UK admission (NHS number, BST times) encodes too."""
    for event in _map(uk_admission()).events:
        fastavro.schemaless_writer(
            io.BytesIO(), newest_schema(event.record_type.value), event.payload
        )


@pytest.mark.parametrize(
    ("sample", "skipped"),
    [
        ("microsoft-fhir-converter/SIU-S12-01.hl7", {"SIU^S12": 1}),
        ("microsoft-fhir-converter/MDM-T01-01.hl7", {"MDM^T01": 1}),
        ("microsoft-fhir-converter/ORM-O01-06.hl7", {"ORM^O01": 1}),
        ("microsoft-fhir-converter/OML-O21-02.hl7", {"ORM^O01": 1}),
        ("microsoft-fhir-converter/OUL-R22-01.hl7", {"OUL^R22": 1}),
        ("microsoft-fhir-converter/REF-I12-01.hl7", {"REF^I12": 1}),
        ("hl7apy/test_parser__msg_o33__L74.hl7", {"OML^O33": 1}),
        ("hl7apy/test_validation__zdt_z01__L50.hl7", {"ZDT^Z01": 1}),
        ("hl7apy/test_parser__rsp_k21_27__L54.hl7", {"RSP^K22": 1}),
    ],
)
def test_unmapped_message_types_are_skipped_with_counts(
    sample: str, skipped: dict[str, int]
) -> None:
    """Scheduling, document notifications without content, orders, queries: counted, not
    rejected."""
    result = _map(read_fixture(sample))
    assert (result.events, result.rejections, result.skipped) == ([], [], skipped)


def test_hl7apy_invalid_query_response_is_skipped_not_rejected() -> None:
    """hl7apy's invalid RSP^K22 breaks an IHE PDQ profile rule (PID-3.4) we do not check:
    a query response is not a record of change, so it is skipped like its valid twin."""
    result = _map(read_fixture("hl7apy/test_parser__invalid_rsp_k21__L47.hl7"))
    assert (result.events, result.rejections, result.skipped) == ([], [], {"RSP^K22": 1})


@pytest.mark.parametrize(
    ("sample", "rejections"),
    [
        (
            "sample_bad_batch.hl7",
            [
                Rejection("segments 2-6", "EVN: segment outside a message (no MSH before it)"),
                Rejection(
                    "segment 7",
                    "BTS-1: batch message count disagrees with the content (messages may be missing)",
                ),
            ],
        ),
        (
            "sample_bad_file2.hl7",
            [
                Rejection("segment 5", "FHS: second file header (one file per input)"),
                Rejection("segments 6-9", "PID: segment outside a message (no MSH before it)"),
                Rejection("message 1", "PID: segment missing"),
            ],
        ),
    ],
)
def test_bad_python_hl7_samples_give_framing_and_message_rejections(
    sample: str, rejections: list[Rejection]
) -> None:
    """Through the adapter, a broken file gives no events and says why, segment by segment."""
    result = _map(read_fixture(f"python-hl7/{sample}"))
    assert (result.events, result.rejections) == ([], rejections)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("MSH|^~\\&|PAS|RC971|||20240612093000||||P|2.4", "MSH-9: message type missing"),
        ("MSH|^~\\&|PAS|RC971|||20240612093000||^A01|C1|P|2.4", "MSH-9: message type missing"),
        (
            "MSH|^~\\&|PAS|RC971|||20240612093000||ADT^A31||P|2.4",
            "MSH-10: message control id missing",
        ),
        ("MSH|^~\\&|PAS|RC971|||||ADT^A31|C1|P|2.4", "MSH-7: message date/time missing"),
        ("MSH|^~\\&|PAS|RC971|||12 June||ADT^A31|C1|P|2.4", "MSH-7: not a valid HL7 date/time"),
        ("MSH|^|PAS", "MSH-2: encoding characters must be 2-5 distinct symbols"),
    ],
)
def test_bad_message_headers_are_rejected(header: str, reason: str) -> None:
    """A message without type, control id or time, or with bad delimiters, is rejected."""
    result = _map(message(header, pid()))
    assert (result.events, result.rejections) == ([], [Rejection("message 1", reason)])


def test_one_bad_message_does_not_lose_the_others() -> None:
    """A broken message between two good ones: two mapped, one rejected by number."""
    broken = message("MSH|^~\\&|PAS|RC971|||20240612093000||||P|2.4", pid())
    result = _map(uk_admission(control_id="A") + broken + uk_admission(control_id="C"))
    assert len(result.events) == 4
    assert result.rejections == [Rejection("message 2", "MSH-9: message type missing")]


def test_event_ids_are_deterministic_uuid5() -> None:
    """Re-sending the same file gives the same ids; another org or control id gives others."""
    first = [e.payload["header"]["event_id"] for e in _map(uk_admission()).events]
    again = [e.payload["header"]["event_id"] for e in _map(uk_admission()).events]
    other_org = [e.payload["header"]["event_id"] for e in _map(uk_admission(), org="RD8").events]
    other_msg = [e.payload["header"]["event_id"] for e in _map(uk_admission(control_id="X")).events]
    assert first == again
    assert len(set(first)) == 2
    assert not set(first) & set(other_org)
    assert not set(first) & set(other_msg)
    assert all(uuid.UUID(event_id).version == 5 for event_id in first)


def test_event_ids_are_unique_within_a_message() -> None:
    """28 results of one ORU get 28 different ids."""
    result = _map(read_fixture("microsoft-fhir-converter/LRI_2.0-NG_CBC_Typ_Message.hl7"))
    assert len({e.payload["header"]["event_id"] for e in result.events}) == 28


def test_later_message_has_higher_record_version() -> None:
    """record_version is MSH-7 in epoch millis, so the later of two updates wins."""
    early = _map(message(msh("ADT^A31", "C1", "20240612093000"), pid())).events[0]
    late = _map(message(msh("ADT^A31", "C2", "20240612093001"), pid())).events[0]
    assert (
        late.payload["header"]["record_version"] - early.payload["header"]["record_version"] == 1000
    )


def test_events_are_keyed_by_org_and_local_patient_id() -> None:
    """The Kafka key is ``<org>:<local patient id>``, never the NHS number."""
    keys = {event.key for event in _map(uk_admission()).events}
    assert keys == {f"{ORG}:RC9123456"}


def test_rejection_reasons_hold_no_patient_data() -> None:
    """Reasons and locations name fields and rules only: no name, NHS number, DOB or postcode."""
    broken = [
        "SMITH^JANE|LU1 3LU|19800229\r",
        uk_admission(nhs_number=BAD_CHECK_DIGIT),
        message(msh("ADT^A31"), pid(f7="19801345")),
        message(msh("ADT^A31"), pid(f"{NHS_NUMBER}^^^NHS^NH")),
        message(
            msh("ORU^R01"), pid(), segment("OBR", {3: "F1"}), segment("OBX", {1: "1", 11: "Q"})
        ),
        message(msh("ADT^A31"), pid(), "Jane Smith of LU1 3LU"),
    ]
    result = _map("".join(broken))
    assert len(result.rejections) == 6
    text = " ".join(f"{r.location} {r.reason}" for r in result.rejections).upper()
    for secret in (
        "SMI",
        "JANE",
        NHS_NUMBER,
        BAD_CHECK_DIGIT,
        "19800229",
        "1980",
        "LU1",
        "HIGH STREET",
    ):
        assert secret not in text


def test_org_and_source_system_are_required() -> None:
    """Calling without an org is a programming error, not bad input."""
    with pytest.raises(ValueError, match="org and source_system are required"):
        events_from_hl7v2(uk_admission(), org="", source_system=SOURCE_SYSTEM)
