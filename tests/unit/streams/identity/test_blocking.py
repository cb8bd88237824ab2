"""Blocking keys and advisory-lock ids."""

from __future__ import annotations

from datetime import date

from streams.identity.blocking import (
    blocking_keys,
    key_change,
    lock_ids,
    lock_keys,
    search_keys,
)
from streams.identity.demographics import Demographics
from streams.identity.normalise import profile
from tests.unit.streams.identity.people import ANNA, record


def test_keys_of_a_full_record() -> None:
    """A full record searches by NHS, birth date, Soundex+year, postcode+year and name keys and
    the incomplete records' locality keys, and is stored under its locality keys marked
    complete."""
    common = (
        "nhs:9990000026",
        "dob:1984:3:7",
        "fy:K420:1984",
        "py:LU12AB:1984",
        "nm:AN:CAOALSC",
    )
    locality = ("fl:K420:LU12AB", "gl:A500:LU12AB", "st:12:HIGH")  # no initials key
    assert blocking_keys(profile(ANNA)) == (*common, *(f"c{key}" for key in locality))
    assert search_keys(profile(ANNA)) == (*common, *locality)


def test_locality_keys_of_a_record_without_a_birth_date() -> None:
    """A record lacking its birth date is stored under family, given name and initials keyed
    with the postcode, and house number with street, and searches those and the complete
    records' versions of them."""
    undated = record(birth_date=None, nhs_number=None)
    assert blocking_keys(profile(undated)) == (
        "nm:AN:CAOALSC",
        "fl:K420:LU12AB",
        "gl:A500:LU12AB",
        "il:AK:LU12AB",
        "st:12:HIGH",
    )
    assert search_keys(profile(undated)) == (
        *blocking_keys(profile(undated)),
        "cfl:K420:LU12AB",
        "cgl:A500:LU12AB",
        "cst:12:HIGH",
    )


def test_locality_keys_survive_a_missing_birth_date_and_name_typos() -> None:
    """Without a birth date, a misspelt family name still shares the given name + locality key,
    and a postcode written in a non-UK address serves as the locality."""
    first = record(birth_date=None, nhs_number=None, postcode=None, address="4 Knox St Byford 4129")
    family_typo = record(first, family_name="Nowalski")
    both_typos = record(first, given_name="Amma", family_name="Kovalski")
    keys = set(blocking_keys(profile(first)))
    assert keys & set(blocking_keys(profile(family_typo))) == {"gl:A500:4129", "st:4:KNOX"}
    assert keys & set(blocking_keys(profile(both_typos))) == {
        "gl:A500:4129",
        "il:AK:4129",
        "st:4:KNOX",
    }


def test_day_month_swap_shares_the_birth_date_key() -> None:
    """7 March and 3 July 1984 share a key, so a transposed birth date is still a candidate."""
    swapped = record(birth_date=date(1984, 7, 3))
    assert "dob:1984:3:7" in blocking_keys(profile(swapped))


def test_swapped_names_share_the_name_key() -> None:
    """Given and family names entered the wrong way round share the name key."""
    swapped = record(given_name="Kowalski", family_name="Anna", birth_date=None, nhs_number=None)
    assert blocking_keys(profile(swapped))[0] == "nm:AN:CAOALSC"
    assert "nm:AN:CAOALSC" in blocking_keys(profile(ANNA))
    assert "il:AK:LU12AB" in blocking_keys(profile(swapped))  # no birth date; initials sorted


def test_header_only_record_has_no_keys() -> None:
    """A record with nothing but an org and local id has no blocking keys."""
    assert blocking_keys(profile(Demographics(org="RD8", local_id="1"))) == ()


def test_lock_ids_are_sorted_unique_and_stable() -> None:
    """Lock ids are signed 64-bit, sorted, de-duplicated and the same on every call."""
    ids = lock_ids(["b", "a", "b"])
    assert ids == sorted(ids) and len(ids) == 2 and ids == lock_ids(["a", "b"])
    assert all(-(2**63) <= i < 2**63 for i in ids)


def test_street_key_survives_misspelt_names_and_a_transposed_postcode() -> None:
    """FEBRL 4's last unblocked pairs: both names misspelt, birth date missing and postcode
    digits transposed; house number and the street's first letters still meet."""
    first = record(
        birth_date=None, nhs_number=None, postcode=None, address="12 Judkins St Airds 4350"
    )
    second = record(
        first, given_name="Amma", family_name="Kovalski", address="12 Judkins St Airds 4305"
    )
    shared = set(blocking_keys(profile(first))) & set(blocking_keys(profile(second)))
    assert shared == {"st:12:JUDK"}


def test_no_street_key_without_a_house_number_or_for_a_full_record() -> None:
    """An address without a number before a street word, or a record with birth date and UK
    postcode, gets no street key."""
    unnumbered = record(birth_date=None, nhs_number=None, address="Church Road, Luton")
    assert not [k for k in blocking_keys(profile(unnumbered)) if k.startswith("st:")]
    assert not [k for k in blocking_keys(profile(ANNA)) if k.startswith("st:")]


def test_complete_and_incomplete_records_meet_on_locality_in_either_order() -> None:
    """An incomplete record (no birth date) and a complete one of the same person share a
    locality key whichever arrives first; two complete records never meet through one (their
    birth-date and postcode keys already pair them), so a complete region gains no candidates."""
    complete = record(nhs_number=None)
    undated = record(complete, birth_date=None)
    other_complete = record(complete, given_name="Annette")
    assert set(search_keys(profile(undated))) & set(blocking_keys(profile(complete)))
    assert set(search_keys(profile(complete))) & set(blocking_keys(profile(undated)))
    locality = ("fl:", "gl:", "il:", "st:", "cfl:", "cgl:", "cil:", "cst:")
    shared = set(search_keys(profile(complete))) & set(blocking_keys(profile(other_complete)))
    assert not {key for key in shared if key.startswith(locality)}


def test_records_that_can_find_each_other_share_a_lock() -> None:
    """Whenever one record searches a key the other is stored under, the two take a common
    advisory lock (so two workers cannot both make a new person of them)."""
    complete = record(nhs_number=None)
    people = [
        complete,
        record(complete, birth_date=None),
        record(complete, postcode=None),
        record(complete, given_name="Ania", birth_date=None),
        record(complete, family_name="Nowak", local_id="B"),
    ]
    for a in people:
        for b in people:
            if set(search_keys(profile(a))) & set(blocking_keys(profile(b))):
                assert set(lock_keys(profile(a))) & set(lock_keys(profile(b)))


def test_key_change_of_a_record_keyed_before_the_marked_locality_keys() -> None:
    """A complete record stored under the old rules (no marked locality keys, a key no rule
    makes any more) gains the marked keys and loses the stale one; the result is exactly the
    current keys, and a record keyed by the current rules changes nothing."""
    current = blocking_keys(profile(ANNA))
    old = [key for key in current if not key.startswith("c")] + ["il:AK:LU12AB"]
    change = key_change(old, profile(ANNA))
    assert change.added == ("cfl:K420:LU12AB", "cgl:A500:LU12AB", "cst:12:HIGH")
    assert change.removed == ("il:AK:LU12AB",)
    assert change.changed
    rekeyed = (set(old) | set(change.added)) - set(change.removed)
    assert rekeyed == set(current)
    assert not key_change(current, profile(ANNA)).changed


def test_key_change_of_a_record_with_no_keys_left() -> None:
    """A record whose demographics no longer make any key has every stored key removed."""
    bare = Demographics(org="RD8", local_id="X1")
    change = key_change(["nm:AN:CAOALSC"], profile(bare))
    assert change == type(change)(added=(), removed=("nm:AN:CAOALSC",))
