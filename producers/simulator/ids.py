"""Identifiers derived from (seed, person index) alone: NHS numbers, local ids, event ids.

* NHS numbers: person ``i`` gets the ``(a*i + b) mod N``-th valid number of the 999 test range
  (``N`` = 909,090 valid numbers; ``a`` and ``b`` come from the seed, ``a`` coprime with
  ``N``), so numbers are distinct within a run and look unordered. People beyond ``N`` get
  none: every organisation then records the NHS number as ABSENT.
* Local patient ids: each organisation permutes ``slot = 4 * person + record`` over 10^8 with
  its own affine map, so ids are distinct per organisation up to 25 million people and differ
  between organisations for the same person.
* Event ids: UUID5 of (seed, org, record type, source record id, version, operation).
"""

from __future__ import annotations

import hashlib
import math
import uuid
import zlib
from functools import cache

from schemas.nhs_number import NhsNumber, test_number

TEST_RANGE_SIZE = 909_090
"""How many valid NHS numbers the 999 test range holds: the most people that get one."""
RECORDS_PER_PERSON = 4
"""Local id slots per person and organisation (main record and placeholders)."""
_LOCAL_ID_SPACE = 10**8
_EVENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://mycarerecord.example/simulator")


def _stable_int(text: str) -> int:
    """A 64-bit integer from ``text`` that never changes between runs or machines."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


@cache
def _nhs_permutation(seed: int) -> tuple[int, int]:
    multiplier = _stable_int(f"nhs-a/{seed}") % TEST_RANGE_SIZE or 1
    while math.gcd(multiplier, TEST_RANGE_SIZE) != 1:
        multiplier += 1
    return multiplier, _stable_int(f"nhs-b/{seed}") % TEST_RANGE_SIZE


def nhs_number_for(seed: int, person: int) -> NhsNumber | None:
    """Person ``person``'s NHS number, or None beyond the test range's 909,090 numbers."""
    if not 0 <= person < TEST_RANGE_SIZE:
        return None
    multiplier, offset = _nhs_permutation(seed)
    return test_number((multiplier * person + offset) % TEST_RANGE_SIZE)


@cache
def _local_permutation(org_code: str) -> tuple[int, int]:
    multiplier = zlib.crc32(f"mul/{org_code}".encode()) % _LOCAL_ID_SPACE
    while math.gcd(multiplier, _LOCAL_ID_SPACE) != 1:
        multiplier += 1
    return multiplier, zlib.crc32(f"add/{org_code}".encode()) % _LOCAL_ID_SPACE


def local_patient_id(org_code: str, prefix: str, *, person: int, record: int = 0) -> str:
    """The organisation's own id for ``record`` (0 = main, 1-3 = placeholders) of a person."""
    multiplier, offset = _local_permutation(org_code)
    slot = person * RECORDS_PER_PERSON + record
    return f"{prefix}{(multiplier * slot + offset) % _LOCAL_ID_SPACE:08d}"


def event_id(
    seed: int, *, org: str, record_type: str, source_record_id: str, version: int, operation: str
) -> str:
    """A UUID5 that is the same every time the same event is generated."""
    name = f"{seed}|{org}|{record_type}|{source_record_id}|{version}|{operation}"
    return str(uuid.uuid5(_EVENT_NAMESPACE, name))
