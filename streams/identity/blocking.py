"""Blocking keys: which stored records are worth scoring against a new one.

Each key is a string stored (indexed) for every linked record; candidates are the records
sharing at least one key, found by indexed lookups, never by scanning all persons. The keys
are chosen so that one error in any single field still leaves a shared key:

========== ============================================ ===============================
key        value                                        survives
========== ============================================ ===============================
``nhs``    valid NHS number                             any demographic change
``dob``    birth year + day and month in sorted order   name changes, moves, day/month swap
``fy``     Soundex(family name) + birth year            birth day/month typos, moves
``py``     postcode + birth year                        name changes (marriage), typos
``nm``     NYSIIS(given) + NYSIIS(family), sorted pair  birth date errors, swapped names
``fl``     Soundex(family name) + locality              missing or wrong birth date
``gl``     Soundex(given name) + locality               missing birth date, family typo
``il``     both initials (sorted) + locality            missing birth date, name typos
``st``     house number + street word's first 4 letters misspelt names and postcode
========== ============================================ ===============================

The locality is the postcode, else a postcode written in the address (``normalise``). The
``fl``/``gl``/``il``/``st`` keys took blocking recall on FEBRL 4 (records without a birth date
or with two misspelt names, and no UK postcode) from 0.957 to 0.992 for 11% more candidate
pairs (README, "Measured").

**Stored and searched keys differ for the locality keys.** A record lacking a birth date or a
UK postcode (*incomplete*) stores them as above; a *complete* record stores three of them
(:data:`_BRIDGING`) under a ``c`` prefix (``cfl``, ``cgl``, ``cst``). An incomplete record
searches both forms, a complete one only the plain form of those three. So a pair meets on
locality whenever at least one of the two is incomplete, in either arrival order, while two
complete records (which ``dob``, ``fy`` and ``py`` already pair) never do: no extra candidates,
and no extra namesakes scored, on a region whose records are complete. On the region without
NHS numbers and with fields missing this took blocking recall from 0.943 to 0.971 (over the
pairs the matcher could link, 0.971 to 0.9998) for 8.6% more candidate pairs (README, issue
13 third round).
:func:`lock_keys` are the advisory-lock keys: two records that could find each other always take
a common lock.

"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

import jellyfish

from streams.identity.normalise import Profile

__all__ = ["KeyChange", "blocking_keys", "key_change", "lock_ids", "lock_keys", "search_keys"]

_COMPLETE = "c"
"""Prefix of the locality keys a complete record stores (module docstring)."""
_BRIDGING = ("fl:", "gl:", "st:")
"""The locality keys that pair a complete record with an incomplete one: family name and given
name with the locality, and the street key (on the region with fields missing, ``il`` as well
found no linkable pair more, and every key is one more row and lookup per new record)."""


def blocking_keys(p: Profile) -> tuple[str, ...]:
    """The keys a record is stored under (none for a record without demographics or NHS
    number)."""
    locality = _locality_keys(p) + _street_key(p)
    if _complete(p):
        locality = [_COMPLETE + key for key in locality if key.startswith(_BRIDGING)]
    return (*_common_keys(p), *locality)


def search_keys(p: Profile) -> tuple[str, ...]:
    """The keys a new record looks its candidates up by: the stored ones, except that an
    incomplete record also searches the complete records' locality keys, and a complete one
    searches the incomplete records' (plain) locality keys instead of its own."""
    locality = _locality_keys(p) + _street_key(p)
    if _complete(p):
        return (*_common_keys(p), *(key for key in locality if key.startswith(_BRIDGING)))
    bridging = (_COMPLETE + key for key in locality if key.startswith(_BRIDGING))
    return (*_common_keys(p), *locality, *bridging)


def lock_keys(p: Profile) -> tuple[str, ...]:
    """The advisory-lock keys: two records that can find each other share one. A complete and
    an incomplete record meet on a locality value, so both lock its plain form (the complete
    record searches it, the incomplete one is stored under it); the marked form adds nothing."""
    return search_keys(p) if _complete(p) else blocking_keys(p)


def _complete(p: Profile) -> bool:
    return p.birth_date is not None and p.postcode is not None


def _common_keys(p: Profile) -> list[str]:
    """The keys every record both stores and searches."""
    keys: list[str] = []
    if p.nhs_number:
        keys.append(f"nhs:{p.nhs_number}")
    if p.birth_date:
        year = p.birth_date.year
        day_month = sorted((p.birth_date.month, p.birth_date.day))
        keys.append(f"dob:{year}:{day_month[0]}:{day_month[1]}")
        if p.family:
            keys.append(f"fy:{_soundex(p.family)}:{year}")
        if p.postcode:
            keys.append(f"py:{p.postcode}:{year}")
    if p.given_code and p.family_code:
        first, second = sorted((p.given_code, p.family_code))
        keys.append(f"nm:{first}:{second}")
    return keys


def _soundex(value: str) -> str:
    return str(jellyfish.soundex(value.replace(" ", "")))


def _locality_keys(p: Profile) -> list[str]:
    """Family name, given name and initials, each with the locality."""
    if not p.locality:
        return []
    keys = [f"fl:{_soundex(p.family)}:{p.locality}"] if p.family else []
    if p.given:
        keys.append(f"gl:{_soundex(p.given)}:{p.locality}")
    if p.given and p.family:
        keys.append(f"il:{''.join(sorted(p.given[0] + p.family[0]))}:{p.locality}")
    return keys


def _street_key(p: Profile) -> list[str]:
    """House number and the start of the word after it (``12 JUDKINS STREET`` -> ``st:12:JUDK``):
    finds a pair whose names are both misspelt and whose postcode digits are transposed
    (FEBRL 4, README)."""
    if not p.address:
        return []
    for number, word in pairwise(p.address.split()):
        if number.isdigit() and word.isalpha() and len(word) >= 3:
            return [f"st:{number}:{word[:4]}"]
    return []


@dataclass(frozen=True)
class KeyChange:
    """What re-keying one stored record changes: keys to add and keys to remove (sorted)."""

    added: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def changed(self) -> bool:
        """True when the stored keys are not the ones the record would be stored under now."""
        return bool(self.added or self.removed)


def key_change(stored: Iterable[str], p: Profile) -> KeyChange:
    """The difference between a record's ``stored`` keys and :func:`blocking_keys` of its
    profile now: empty for a record keyed by the current rules, so re-keying twice changes
    nothing the second time."""
    have, want = set(stored), set(blocking_keys(p))
    return KeyChange(tuple(sorted(want - have)), tuple(sorted(have - want)))


def lock_ids(keys: tuple[str, ...] | list[str]) -> list[int]:
    """Signed 64-bit advisory-lock ids for keys, sorted so every worker locks in one order
    (two workers locking overlapping keys in different orders could deadlock)."""
    ids = {
        int.from_bytes(hashlib.blake2b(k.encode(), digest_size=8).digest(), "big", signed=True)
        for k in keys
    }
    return sorted(ids)
