"""Synthetic UK HL7 v2 messages for tests: invented people, 999-range NHS numbers, UK places.

``segment("PV1", {2: "I", 19: "V1"})`` writes a segment with values at the given field
numbers; ``message(...)`` joins segments with CR. Every value here is made up.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import fastavro

from producers.model import AdapterResult

NHS_NUMBER = "9990000018"  # valid Modulus 11 (check digit 8)
OTHER_NHS_NUMBER = "9990000026"  # valid Modulus 11 (check digit 6)
BAD_CHECK_DIGIT = "9990000017"  # fails Modulus 11
ORG = "RC971"
SOURCE_SYSTEM = "luton-pas"

PROJECT_ROOT = Path(__file__).resolve().parents[4]
HL7_FIXTURES = PROJECT_ROOT.parent / "shared" / "fixtures" / "hl7v2"
SCHEMAS = PROJECT_ROOT / "schemas" / "avro"


def segment(name: str, fields: dict[int, str]) -> str:
    """``name|f1|f2|...`` with ``fields[n]`` at field n and empty fields in between."""
    width = max(fields, default=0)
    return "|".join([name, *(fields.get(n, "") for n in range(1, width + 1))])


def msh(message_type: str, control_id: str = "MSG0001", time: str = "20240612093000") -> str:
    """An MSH with standard delimiters (MSH-1/2 are written by hand, fields from MSH-3)."""
    return "MSH|^~\\&|PAS|RC971|MCR|MCR|" + "|".join(
        [time, "", message_type, control_id, "P", "2.4"]
    )


def pid(identifiers: str = f"RC9123456^^^RC971^MR~{NHS_NUMBER}^^^NHS^NH", **extra: str) -> str:
    """A PID for Jane Anne Smith of Luton; keyword ``f<n>`` overrides field n."""
    fields = {
        1: "1",
        3: identifiers,
        5: "SMITH^JANE^ANNE^^MRS^^L~JONES^JANE^^^^^M",
        7: "19800229",
        8: "F",
        11: "1 HIGH STREET^FLAT 2^LUTON^BEDFORDSHIRE^lu1  3lu^GBR^H",
        13: "^PRN^PH^^44^1582^123456~jane@example.invalid^NET^Internet",
        15: "en",
        32: "01",
    }
    fields.update({int(key[1:]): value for key, value in extra.items()})
    return segment("PID", fields)


def message(*segments: str, separator: str = "\r") -> str:
    """Segments joined (and ended) by ``separator``."""
    return separator.join(segments) + separator


def uk_admission(nhs_number: str = NHS_NUMBER, control_id: str = "ADM0001") -> str:
    """A01 admission at a Luton hospital, times without offsets (read as UK local time)."""
    return message(
        msh("ADT^A01^ADT_A01", control_id),
        segment("EVN", {1: "A01", 2: "20240612092500", 6: "20240612091500"}),
        pid(f"RC9123456^^^RC971^MR~{nhs_number}^^^NHS^NH"),
        segment("PD1", {3: "HIGHTOWN SURGERY^^^^^^^^^E81046"}),
        segment(
            "PV1",
            {
                2: "I",
                3: "WARD 5^BAY 2^BED 3^L\\T\\D HOSPITAL",
                7: "C123^WHO^DOCTOR",
                10: "GEN",
                19: "V0001^^^RC971^VN",
                44: "20240612090000",
            },
        ),
        segment("PV2", {3: "22298006^Myocardial infarction^SCT"}),
    )


def read_fixture(relative: str) -> str:
    """A shared HL7 v2 sample exactly as stored (CR separators kept)."""
    with (HL7_FIXTURES / relative).open(encoding="utf-8", newline="") as handle:
        return handle.read()


def newest_schema(record_type: str) -> Any:
    """The parsed newest ``schemas/avro/<type>/v<N>.avsc``."""
    versions = sorted((SCHEMAS / record_type).glob("v*.avsc"), key=lambda p: int(p.stem[1:]))
    return fastavro.parse_schema(json.loads(versions[-1].read_text()))


def counts(result: AdapterResult) -> dict[str, int]:
    """Number of events per record type."""
    tally: dict[str, int] = {}
    for event in result.events:
        tally[event.record_type.value] = tally.get(event.record_type.value, 0) + 1
    return tally


# A tiny PDF (a valid header and trailer, no pages): an attached document's bytes in tests.
SMALL_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def txa(**fields: str) -> str:
    """A TXA for a discharge summary (table 0270 DS) written on 14 Jun 2024, document number
    DOC-20240614-0001, available and usual control; keyword ``f<n>`` overrides field n."""
    values = {1: "1", 2: "DS", 3: "AP", 4: "20240614100000", 5: "C123^WHO^DOCTOR",
              6: "20240614113000", 9: "C123^WHO^DOCTOR", 12: "DOC-20240614-0001^RC971",
              17: "AU", 18: "U", 19: "AV", 22: "C123^WHO^DOCTOR"}  # fmt: skip
    values.update({int(key[1:]): value for key, value in fields.items()})
    return segment("TXA", values)


def uk_discharge_summary(*obx: str, control_id: str = "MDM0001", trigger: str = "T02",
                         **txa_fields: str) -> str:  # fmt: skip
    """MDM^T02 from a Luton hospital's document system: a discharge summary attached as a
    base64 PDF (``obx`` replaces the OBX segments)."""
    body = obx or (
        segment("OBX", {1: "1", 2: "ED", 3: "18842-5^Discharge summary^LN", 4: "1",
                        5: "^AP^PDF^Base64^" + base64.b64encode(SMALL_PDF).decode(),
                        11: "F"}),
    )  # fmt: skip
    return message(
        msh(f"MDM^{trigger}^MDM_T02", control_id),
        segment("EVN", {1: trigger, 2: "20240614113000"}),
        pid(),
        segment("PV1", {2: "I", 19: "V0001^^^RC971^VN"}),
        txa(**txa_fields),
        *body,
    )
