"""Synthetic UK HL7 v2 messages for tests: invented people, 999-range NHS numbers, UK places.

``segment("PV1", {2: "I", 19: "V1"})`` writes a segment with values at the given field
numbers; ``message(...)`` joins segments with CR. Every value here is made up.
"""

from __future__ import annotations

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
