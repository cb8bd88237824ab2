"""Normalised, comparison-ready form of a source record (a :class:`Profile`).

Names: upper case, accents removed, letters and single spaces only, titles dropped. Postcodes:
upper case without spaces, split into unit / sector / district. Addresses: upper case tokens
with common abbreviations expanded. Placeholder identities (Baby, Unknown, Test, Xxtest) are
flagged: they are never auto-linked.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import jellyfish

from streams.identity.demographics import Demographics, NhsStatus

__all__ = [
    "Profile",
    "address",
    "is_placeholder",
    "is_test_identity",
    "name",
    "postcode",
    "profile",
]

_TITLES = frozenset({"MR", "MRS", "MS", "MISS", "DR", "PROF", "REV", "SIR", "MX", "MASTER"})
_TEST_TOKENS = frozenset({"TEST", "XXTEST", "DUMMY"})
_TEST_PREFIXES = ("XXTEST", "ZZZ")  # XXTESTPATIENT-..., ZZZTEST...: test patients on the Spine
_PLACEHOLDER_TOKENS = _TEST_TOKENS | {
    "BABY",
    "BABYBOY",
    "BABYGIRL",
    "UNKNOWN",
    "UNNAMED",
    "NOTKNOWN",
    "INFANT",
    "TWIN",
}
_ADDRESS_WORDS = {
    "ST": "STREET",
    "RD": "ROAD",
    "AVE": "AVENUE",
    "AV": "AVENUE",
    "LN": "LANE",
    "CL": "CLOSE",
    "CRES": "CRESCENT",
    "DR": "DRIVE",
    "GDNS": "GARDENS",
    "PL": "PLACE",
    "SQ": "SQUARE",
    "CT": "COURT",
    "TER": "TERRACE",
    "TERR": "TERRACE",
    "FLT": "FLAT",
}
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")


@dataclass(frozen=True, slots=True)
class Profile:
    """A record's demographics, normalised once and compared many times."""

    nhs_number: str | None
    nhs_verified: bool
    given: str | None
    family: str | None
    birth_date: date | None
    sex: str | None
    postcode: str | None
    address: str | None
    placeholder: bool
    test_identity: bool
    given_code: str | None
    family_code: str | None
    locality: str | None = None
    """The postcode, else a postcode written in the address (its last number of 4+ digits:
    a non-UK postcode); the blocking keys that survive birth-date errors use it."""
    given_joined: str | None = None
    """The whole given name without spaces (``given`` is its first word): a space keyed inside a
    name (``LY DIA``) or written between two names (``MARY ANN``) leaves it unchanged."""


def _ascii_upper(raw: str) -> str:
    decomposed = unicodedata.normalize("NFKD", raw)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).upper()


def name(raw: str | None) -> str | None:
    """``" o'Brien-Smith "`` -> ``"OBRIEN SMITH"``; titles dropped; None when nothing is left."""
    if not raw:
        return None
    text = re.sub(r"['’`.]", "", _ascii_upper(raw))
    tokens = [t for t in re.split(r"[^A-Z]+", text) if t and t not in _TITLES]
    return " ".join(tokens) or None


def postcode(raw: str | None) -> str | None:
    """``"lu1 2ab"`` -> ``"LU12AB"``; None when it is not shaped like a UK postcode."""
    if not raw:
        return None
    compact = re.sub(r"[^A-Z0-9]", "", raw.upper())
    return compact if _POSTCODE.match(compact) else None


def address(raw: str | None) -> str | None:
    """Upper-case tokens with common abbreviations expanded; None when empty."""
    if not raw:
        return None
    tokens = re.split(r"[^A-Z0-9]+", _ascii_upper(raw))
    return " ".join(_ADDRESS_WORDS.get(t, t) for t in tokens if t) or None


def _has_token(given: str | None, family: str | None, tokens: frozenset[str]) -> bool:
    words = f"{given or ''} {family or ''}".split()
    pairs = (a + b for a, b in itertools.pairwise(words))  # "NOT KNOWN"
    return any(w in tokens or w.startswith(_TEST_PREFIXES) for w in (*words, *pairs))


def is_placeholder(given: str | None, family: str | None) -> bool:
    """True for placeholder identities: Baby/Unknown/Test names, or any XXTEST-prefixed name."""
    return _has_token(given, family, _PLACEHOLDER_TOKENS)


def is_test_identity(given: str | None, family: str | None) -> bool:
    """True for test patients (Test, Dummy, XXTEST...), which never link by any rule."""
    return _has_token(given, family, _TEST_TOKENS)


def _code(value: str | None) -> str | None:
    return jellyfish.nysiis(value.replace(" ", "")) if value else None


def _locality(code: str | None, full_address: str | None) -> str | None:
    if code:
        return code
    numbers = [t for t in (full_address or "").split() if t.isdigit() and len(t) >= 4]
    return numbers[-1] if numbers else None


@lru_cache(maxsize=200_000)
def profile(record: Demographics) -> Profile:
    """The normalised profile of a record (cached: candidates are compared many times)."""
    given, family = name(record.given_name), name(record.family_name)
    code, full_address = postcode(record.postcode), address(record.address)
    return Profile(
        nhs_number=record.valid_nhs_number,
        nhs_verified=record.nhs_status is NhsStatus.VERIFIED,
        given=given.split()[0] if given else None,
        family=family,
        birth_date=record.birth_date,
        sex=record.sex.upper() if record.sex and record.sex.upper() != "UNKNOWN" else None,
        postcode=code,
        address=full_address,
        placeholder=is_placeholder(given, family),
        test_identity=is_test_identity(given, family),
        given_code=_code(given.split()[0] if given else None),
        family_code=_code(family),
        locality=_locality(code, full_address),
        given_joined=given.replace(" ", "") if given else None,
    )
