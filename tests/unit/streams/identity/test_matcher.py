"""Matching rules: deterministic NHS number, Fellegi-Sunter over candidates, and guards."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from schemas import nhs_number
from schemas.events import PersonId
from streams.identity.comparison import Field, Level
from streams.identity.decision import LinkDecision
from streams.identity.demographics import Demographics, NhsStatus
from streams.identity.matcher import (
    CandidatePerson,
    Match,
    Rule,
    clearly_conflicts,
    is_names_only,
    match,
)
from streams.identity.twins import TwinEvidence
from streams.identity.weights import load
from tests.unit.streams.identity.people import ANNA, record, twin_of

W = load()
P1, P2 = PersonId("p-1"), PersonId("p-2")


def _person(*records: Demographics, person_id: PersonId = P1) -> CandidatePerson:
    return CandidatePerson(person_id, records)


def test_verified_nhs_number_links_deterministically() -> None:
    """A verified NHS number held by one person links to it, even with a new surname."""
    incoming = record(org="GP1", local_id="G7", family_name="Smith", address="4 Mill Lane")
    found = match(incoming, [_person(ANNA)], W)
    assert (found.decision, found.person_id, found.evidence.rule) == (
        LinkDecision.AUTO_LINK,
        P1,
        Rule.NHS_NUMBER,
    )


def test_verified_nhs_number_with_conflicting_demographics_goes_to_review() -> None:
    """Birth date and sex both disagreeing with the NHS number's holder sends it to review."""
    incoming = record(org="GP1", local_id="G7", birth_date=date(1950, 11, 20), sex="MALE")
    found = match(incoming, [_person(ANNA)], W)
    assert (found.decision, found.evidence.rule) == (LinkDecision.REVIEW, Rule.NHS_CONFLICT)


def test_header_only_event_links_by_verified_nhs_number() -> None:
    """A result event carrying only a verified NHS number links to its holder."""
    header_only = Demographics(
        org="LAB", local_id="L1", nhs_number=ANNA.nhs_number, nhs_status=NhsStatus.VERIFIED
    )
    assert match(header_only, [_person(ANNA)], W).decision is LinkDecision.AUTO_LINK


def test_two_different_valid_nhs_numbers_never_link() -> None:
    """Identical demographics but another valid NHS number makes a new person."""
    incoming = record(
        org="GP1",
        local_id="G7",
        nhs_number=nhs_number.test_number(99),
        nhs_status=NhsStatus.UNVERIFIED,
    )
    found = match(incoming, [_person(ANNA)], W)
    assert found.decision is LinkDecision.NEW_PERSON
    assert found.evidence.rule is Rule.NO_CANDIDATE


def test_twins_do_not_link() -> None:
    """Twins (same birth date, address, family name; different given name and NHS number)."""
    assert match(twin_of(ANNA), [_person(ANNA)], W).decision is LinkDecision.NEW_PERSON


def test_twins_without_nhs_numbers_never_auto_link() -> None:
    """Without NHS numbers the twin pattern is capped at review."""
    twin = twin_of(record(nhs_number=None), nhs_number=None)
    found = match(twin, [_person(record(nhs_number=None))], W)
    assert found.decision is not LinkDecision.AUTO_LINK
    assert "twin-pattern" in found.evidence.guards


def test_parent_and_child_at_one_address_never_auto_link() -> None:
    """Same names and address but a wholly different birth date is never auto-linked."""
    child = record(nhs_number=None, local_id="X", birth_date=date(2010, 11, 20))
    found = match(child, [_person(record(nhs_number=None))], W)
    assert found.decision is not LinkDecision.AUTO_LINK
    assert "birth-date-conflict" in found.evidence.guards


@pytest.mark.parametrize("birth_date", [date(1994, 3, 7), date(1984, 3, 28)])  # typo, partial
@pytest.mark.parametrize(("postcode", "address"), [("MK9 3PU", "4 Mill Lane"), (None, None)])
def test_namesakes_in_another_place_never_auto_link(
    birth_date: date, postcode: str | None, address: str | None
) -> None:
    """Same names and sex, a birth date only near, and nothing about the place agreeing: two
    people as often as not (the region's namesakes), so a person decides."""
    incoming = record(
        nhs_number=None, local_id="N1", birth_date=birth_date, postcode=postcode, address=address
    )
    found = match(incoming, [_person(record(nhs_number=None))], W)
    assert found.decision is not LinkDecision.AUTO_LINK
    assert "namesake" in found.evidence.guards
    at_home = record(nhs_number=None, local_id="N2", birth_date=birth_date)
    assert "namesake" not in match(at_home, [_person(ANNA)], W).evidence.guards


def test_a_person_with_another_birth_date_on_record_goes_to_review() -> None:
    """The new record agrees with the person's best record, but another record of the same
    person has a wholly different birth date: linking would give the person two birth dates,
    so a person decides (the person-level check, issue 13)."""
    incoming = record(org="SC1", local_id="S1", nhs_number=None)
    other_dob = record(ANNA, local_id="H2", nhs_number=None, birth_date=date(1950, 11, 20))
    found = match(incoming, [_person(ANNA, other_dob)], W)
    assert (found.decision, found.person_id) == (LinkDecision.REVIEW, P1)
    assert found.evidence.guards == ("person-birth-date-conflict",)
    clean = match(incoming, [_person(ANNA, record(ANNA, local_id="H3"))], W)
    assert (clean.decision, clean.evidence.guards) == (LinkDecision.AUTO_LINK, ())


@pytest.mark.parametrize(
    "changes",
    [
        {"given_name": "Ann"},
        {"family_name": "Kowalsky"},
        {"birth_date": date(1984, 7, 3)},
        {"postcode": "LU1 2XY"},
        {"given_name": "Kowalski", "family_name": "Anna"},
    ],
)
def test_one_error_without_nhs_number_still_links(changes: dict[str, object]) -> None:
    """Nickname, typo, swapped day/month, nearby postcode or swapped names: auto link."""
    incoming = record(org="SC1", local_id="S1", nhs_number=None, **changes)
    found = match(incoming, [_person(ANNA)], W)
    assert (found.decision, found.person_id) == (LinkDecision.AUTO_LINK, P1)


@pytest.mark.parametrize(
    "placeholder", [{"given_name": "Baby"}, {"family_name": "XXTEST"}, {"given_name": "Unknown"}]
)
@pytest.mark.parametrize("status", [None, NhsStatus.UNVERIFIED, NhsStatus.TRACE_FAILED])
def test_placeholders_never_auto_link_without_a_verified_number(
    placeholder: dict[str, str], status: NhsStatus | None
) -> None:
    """Placeholder identities are capped at review on demographics or an unverified number."""
    number = {"nhs_number": None} if status is None else {"nhs_status": status}
    stored = record(**placeholder, **number)
    incoming = record(org="GP1", local_id="G7", **placeholder, **number)
    found = match(incoming, [_person(stored)], W)
    assert found.decision is LinkDecision.REVIEW
    assert "placeholder" in found.evidence.guards


BABY = record(org="RC9", local_id="B1", given_name="Baby", birth_date=date(2024, 5, 2))
NAMED_CHILD = record(BABY, org="GP1", local_id="G7", given_name="Oliver")


@pytest.mark.parametrize(("incoming", "stored"), [(BABY, NAMED_CHILD), (NAMED_CHILD, BABY)])
def test_baby_record_links_by_a_verified_number_with_agreeing_birth_date_and_sex(
    incoming: Demographics, stored: Demographics
) -> None:
    """A newborn's number comes with the Birth Notification: it links the Baby record, either
    way round, when both numbers are verified and birth date and sex agree exactly."""
    found = match(incoming, [_person(stored)], W)
    assert (found.decision, found.person_id, found.evidence.rule) == (
        LinkDecision.AUTO_LINK,
        P1,
        Rule.NHS_NUMBER_PLACEHOLDER,
    )
    assert found.evidence.guards == ()


@pytest.mark.parametrize(
    ("incoming", "stored"),
    [
        (record(BABY, birth_date=date(2024, 2, 5)), NAMED_CHILD),
        (record(BABY, sex="UNKNOWN"), NAMED_CHILD),
        (record(BABY, sex="MALE"), NAMED_CHILD),
        (BABY, record(NAMED_CHILD, nhs_status=NhsStatus.UNVERIFIED)),
        (NAMED_CHILD, record(BABY, nhs_status=NhsStatus.UNVERIFIED)),
        (record(BABY, given_name="Test"), NAMED_CHILD),
        (NAMED_CHILD, record(BABY, family_name="XXTESTPATIENT")),
        (BABY, ANNA),
    ],
    ids=[
        "birth-date-transposed",
        "sex-unknown",
        "sex-differs",
        "holder-number-unverified",
        "baby-number-unverified",
        "test-patient",
        "stored-test-patient",
        "mother-number-on-baby",
    ],
)
def test_placeholder_with_a_verified_number_goes_to_review_on_any_doubt(
    incoming: Demographics, stored: Demographics
) -> None:
    """Anything short of exact birth date and sex, both numbers verified and no test patient
    keeps the placeholder in review (or rejects the number as a conflict)."""
    found = match(incoming, [_person(stored)], W)
    assert found.decision is LinkDecision.REVIEW


def test_nhs_number_held_by_two_persons_goes_to_review() -> None:
    """A verified NHS number found on two persons is ambiguous."""
    found = match(ANNA, [_person(ANNA), _person(ANNA, person_id=P2)], W)
    assert (found.decision, found.evidence.rule) == (LinkDecision.REVIEW, Rule.NHS_AMBIGUOUS)


def test_no_candidates_is_a_new_person() -> None:
    """With nobody in the block, a new person is created."""
    found = match(ANNA, [], W)
    assert (found.decision, found.person_id) == (LinkDecision.NEW_PERSON, None)


def test_evidence_holds_levels_not_values() -> None:
    """Evidence names levels, weights version and ids; never a demographic value."""
    incoming = record(org="SC1", local_id="S1", nhs_number=None, given_name="Ann")
    text = str(match(incoming, [_person(ANNA)], W).evidence.to_json())
    assert "nickname" in text and W.version in text
    for value in ("Ann", "Kowalski", "1984", "LU1", "High", ANNA.nhs_number or "x"):
        assert value.upper() not in text.upper()


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        (
            {"birth_date": "else", "sex": "else", "given_name": "exact", "family_name": "exact"},
            True,
        ),
        (
            {"birth_date": "partial", "sex": "exact", "given_name": "else", "family_name": "else"},
            True,
        ),
        (
            {"birth_date": "exact", "sex": "else", "given_name": "else", "family_name": "else"},
            False,
        ),
        (
            {"birth_date": "else", "sex": "null", "given_name": "exact", "family_name": "else"},
            False,
        ),
    ],
)
def test_clearly_conflicts(levels: dict[str, str], expected: bool) -> None:
    """Conflict: birth date and sex disagree, or both names and the birth date disagree."""
    vector = {Field(k): Level(v) for k, v in levels.items()}
    assert clearly_conflicts(vector) is expected


@pytest.mark.parametrize(
    ("given_name", "expected"),
    [("Anja", LinkDecision.AUTO_LINK), ("Maria", LinkDecision.REVIEW)],
)
def test_agreeing_unverified_nhs_number_excuses_only_a_typo(
    given_name: str, expected: LinkDecision
) -> None:
    """Same unverified NHS number: a typo'd given name links, a different one is reviewed
    (it may be a twin's number filed on the other twin)."""
    incoming = record(
        org="GP1", local_id="G7", given_name=given_name, nhs_status=NhsStatus.UNVERIFIED
    )
    assert match(incoming, [_person(ANNA)], W).decision is expected


# Another man's demographics carrying Anna's NHS number: only the birth year and month agree
# (the reviewer's case, score 14.3), or only the birth date agrees (no clear conflict).
_STRANGER = {"given_name": "Peter", "family_name": "Nowak", "sex": "MALE"}
_ELSEWHERE = {"postcode": "M1 1AA", "address": "1 Oak Road, Manchester"}


@pytest.mark.parametrize("status", [NhsStatus.UNVERIFIED, NhsStatus.TRACE_FAILED])
@pytest.mark.parametrize(
    "birth_date", [date(1984, 3, 20), ANNA.birth_date], ids=["partial-date", "same-date"]
)
def test_agreeing_unverified_nhs_number_never_replaces_demographics(
    status: NhsStatus, birth_date: date
) -> None:
    """An equal unverified NHS number with otherwise different demographics is not linked."""
    incoming = record(
        org="GP1", local_id="G7", nhs_status=status, birth_date=birth_date, **_STRANGER
    )
    found = match(record(incoming, **_ELSEWHERE), [_person(ANNA)], W)
    assert found.decision is not LinkDecision.AUTO_LINK
    assert "nhs-number-only" in found.evidence.guards


def test_header_only_unverified_nhs_number_is_not_auto_linked() -> None:
    """A result carrying only an unverified NHS number is never auto-linked by the matcher."""
    header_only = Demographics(
        org="LAB", local_id="L1", nhs_number=ANNA.nhs_number, nhs_status=NhsStatus.UNVERIFIED
    )
    found = match(header_only, [_person(ANNA)], W)
    assert found.decision is not LinkDecision.AUTO_LINK
    assert "nhs-number-only" in found.evidence.guards


def test_a_twins_verified_number_on_the_other_twin_goes_to_review() -> None:
    """Maria's record carrying Anna's verified number (same birth date and family name, a
    wholly different given name) is the twin pattern: review, not a link."""
    keyed_wrong = twin_of(ANNA, nhs_number=ANNA.nhs_number, local_id="G9", org="GP1")
    found = match(keyed_wrong, [_person(ANNA)], W)
    assert (found.decision, found.evidence.rule) == (LinkDecision.REVIEW, Rule.NHS_NUMBER)
    assert found.evidence.guards == ("twin-pattern",)


def test_a_baby_record_with_a_possible_sibling_in_the_block_goes_to_review() -> None:
    """With another child of the same birth date and family name among the candidates, the
    verified number on a Baby record may be the twin's: review."""
    twin = record(
        NAMED_CHILD, local_id="G8", given_name="Harry", nhs_number=nhs_number.test_number(9)
    )
    found = match(BABY, [_person(NAMED_CHILD), _person(twin, person_id=P2)], W)
    assert found.decision is LinkDecision.REVIEW
    assert found.evidence.guards == ("placeholder", "possible-sibling")


@pytest.mark.parametrize(
    ("holder", "keyed_on"),
    [
        (("Oliver", "MALE"), ("Olivia", "FEMALE")),
        (("Louis", "MALE"), ("Louise", "FEMALE")),
        (("Harry", "MALE"), ("Harvey", "MALE")),
        (("Ellie", "FEMALE"), ("Elsie", "FEMALE")),
        (("Jack", "MALE"), ("Jake", "MALE")),
    ],
)
def test_twins_with_similar_names_do_not_link_on_the_others_verified_number(
    holder: tuple[str, str], keyed_on: tuple[str, str]
) -> None:
    """A twin's verified number keyed on the other twin (same birth date and family name):
    a different sex, or a given name that agrees only loosely, sends it to review."""
    child = record(given_name=holder[0], sex=holder[1], birth_date=date(2015, 6, 1))
    other = record(child, org="GP1", local_id="G5", given_name=keyed_on[0], sex=keyed_on[1])
    found = match(other, [_person(child)], W)
    assert found.decision is LinkDecision.REVIEW
    assert "twin-pattern" in found.evidence.guards


def test_a_one_letter_typo_with_the_verified_number_still_links() -> None:
    """Jonh for John, same sex: a typo, not a twin; the verified number links."""
    john = record(given_name="John", sex="MALE")
    found = match(record(john, org="GP1", local_id="G5", given_name="Jonh"), [_person(john)], W)
    assert found.decision is LinkDecision.AUTO_LINK


def _region_twins(first: str, second: str, sex: tuple[str, str] = ("FEMALE", "FEMALE")) -> Match:
    """Two records without NHS numbers: same family name, birth date and address."""
    older = record(nhs_number=None, given_name=first, sex=sex[0])
    younger = record(older, org="GP1", local_id="G5", given_name=second, sex=sex[1])
    return match(younger, [_person(older)], W)


@pytest.mark.parametrize("misspelt", ["Amna", "Anan", "Ana", "Annna"])
def test_a_misspelling_of_a_known_name_is_no_twin(misspelt: str) -> None:
    """ANNA is a known name (the weights' name table), the other is no name: a keying error,
    not a twin, so the record links on its demographics."""
    found = _region_twins("Anna", misspelt)
    assert "twin-pattern" not in found.evidence.guards
    assert found.decision is LinkDecision.AUTO_LINK


@pytest.mark.parametrize(
    ("first", "second", "sex"),
    [
        ("Ellie", "Elsie", ("FEMALE", "FEMALE")),  # both known names, one keystroke apart
        ("Tom", "Tim", ("MALE", "MALE")),  # a vowel for a vowel: real names
        ("Anna", "Amna", ("FEMALE", "MALE")),  # the sex disagrees
        ("Anna", "Maria", ("FEMALE", "FEMALE")),  # wholly different
    ],
)
def test_twins_with_near_names_still_never_auto_link(
    first: str, second: str, sex: tuple[str, str]
) -> None:
    """Twins must not link: near names that are both real, a vowel for a vowel, or a different
    sex keep the twin pattern."""
    found = _region_twins(first, second, sex)
    assert found.decision is not LinkDecision.AUTO_LINK
    assert "twin-pattern" in found.evidence.guards


def test_a_misspelt_name_needs_a_name_table() -> None:
    """Weights without term frequencies cannot tell a name from a misspelling: twin pattern."""
    bare = replace(W, term_frequencies={})
    older = record(nhs_number=None, given_name="Anna")
    younger = record(older, org="GP1", local_id="G5", given_name="Amna")
    assert "twin-pattern" in match(younger, [_person(older)], bare).evidence.guards


def test_a_slip_with_the_verified_number_links_but_a_twins_near_name_does_not() -> None:
    """Rule 1: Ali keyed as Ai with Ali's verified number links; Ellie's verified number on
    Elsie (both real names, same birth date) stays the twin pattern."""
    ali = record(given_name="Ali", sex="MALE", birth_date=date(2015, 6, 1))
    keyed = record(ali, org="GP1", local_id="G5", given_name="Ai")
    assert match(keyed, [_person(ali)], W).decision is LinkDecision.AUTO_LINK
    ellie = record(ali, given_name="Ellie", sex="FEMALE")
    elsie = record(ellie, org="GP1", local_id="G5", given_name="Elsie")
    assert "twin-pattern" in match(elsie, [_person(ellie)], W).evidence.guards


def _unnumbered_twins(org: str) -> tuple[Demographics, Demographics]:
    """Anna and her twin Maria without NHS numbers; Maria's record comes from ``org``."""
    anna = record(nhs_number=None)
    return anna, twin_of(anna, nhs_number=None, org=org, local_id="T2")


def test_a_twin_the_organisation_registered_apart_is_a_new_person() -> None:
    """The candidate holds a record of the incoming record's own organisation under another
    local id: that organisation keeps them as two patients, so no review is needed."""
    anna, maria = _unnumbered_twins(org=ANNA.org)
    found = match(maria, [_person(anna)], W)
    assert found.decision is LinkDecision.NEW_PERSON
    assert "twin-pattern" in found.evidence.guards


def test_a_twin_pattern_from_another_organisation_above_auto_link_is_reviewed() -> None:
    """The same pair seen from another organisation is a genuine conflict: a person decides."""
    anna, maria = _unnumbered_twins(org="GP1")
    found = match(maria, [_person(anna)], W)
    assert found.evidence.score is not None and found.evidence.score >= 12
    assert (found.decision, found.evidence.guards) == (LinkDecision.REVIEW, ("twin-pattern",))


TWIN_FREE = replace(W, version="twin-free", twins=TwinEvidence(registered_apart=0, records=10_000))
"""The shipped weights, as if trained on records that rule twins out (``twins.py``)."""


def test_weights_trained_where_twins_are_ruled_out_drop_the_twin_guard() -> None:
    """The same pair from another organisation links on its score when training's records
    showed no twins registered apart (FEBRL 4: every such pair was one person)."""
    anna, maria = _unnumbered_twins(org="GP1")
    found = match(maria, [_person(anna)], TWIN_FREE)
    assert (found.decision, found.evidence.guards) == (LinkDecision.AUTO_LINK, ())


def test_a_twin_registered_apart_stays_apart_whatever_the_weights() -> None:
    """The record's own organisation registered the two as two patients: no link even with
    weights that rule twins out."""
    anna, maria = _unnumbered_twins(org=ANNA.org)
    found = match(maria, [_person(anna)], TWIN_FREE)
    assert found.decision is LinkDecision.NEW_PERSON
    assert "twin-pattern" in found.evidence.guards


def test_a_twins_verified_number_is_reviewed_whatever_the_weights() -> None:
    """Rule 2's twin check (a twin's number keyed on the other) is not learned away."""
    keyed_wrong = twin_of(ANNA, nhs_number=ANNA.nhs_number, local_id="G9", org="GP1")
    found = match(keyed_wrong, [_person(ANNA)], TWIN_FREE)
    assert (found.decision, found.evidence.guards) == (LinkDecision.REVIEW, ("twin-pattern",))


def test_a_two_people_pattern_below_auto_link_is_a_new_person() -> None:
    """A namesake in another town (birth date one digit off) whose score is under auto-link:
    on the region such pairs were two people 722 times in 723, so a new person, not a review."""
    incoming = record(
        nhs_number=None,
        org="GP1",
        local_id="N1",
        birth_date=date(1994, 3, 7),
        postcode="MK9 3PU",
        address="4 Mill Lane",
    )
    found = match(incoming, [_person(record(nhs_number=None))], W)
    assert found.evidence.score is not None and found.evidence.score < 12
    assert found.evidence.guards == ("namesake",)
    assert found.decision is LinkDecision.NEW_PERSON


def test_an_agreeing_unverified_number_keeps_a_twin_pattern_in_review() -> None:
    """Twin pattern at the same organisation, but the unverified NHS number agrees: worth a
    person's look, so review rather than a new person."""
    anna = record(nhs_status=NhsStatus.UNVERIFIED)
    maria = twin_of(anna, nhs_number=anna.nhs_number, local_id="T2")
    found = match(maria, [_person(anna)], W)
    assert found.decision is LinkDecision.REVIEW
    assert "twin-pattern" in found.evidence.guards


def test_twins_with_a_swapped_birth_date_are_still_twins() -> None:
    """Maria's record with day and month swapped (a keying error) beside Anna: twin pattern,
    never a link (it joined two twins on the region without NHS numbers)."""
    anna, maria = _unnumbered_twins(org="GP1")
    swapped = record(maria, birth_date=date(1984, 7, 3))
    found = match(swapped, [_person(anna)], W)
    assert found.decision is not LinkDecision.AUTO_LINK
    assert "twin-pattern" in found.evidence.guards


@pytest.mark.parametrize(
    "changes",
    [
        {"birth_date": None, "postcode": None, "address": None},
        {"birth_date": None, "postcode": "MK9 3PU", "address": "4 Mill Lane"},
        {"birth_date": date(1950, 11, 20), "postcode": None, "address": None},
    ],
)
def test_names_alone_never_link(changes: dict[str, object]) -> None:
    """Same given and family name and sex, and nothing else in common (missing or different):
    a region holds many people of one name, so a new person, never a link or a review."""
    incoming = record(nhs_number=None, org="GP1", local_id="N9", **changes)  # type: ignore[arg-type]
    found = match(incoming, [_person(record(nhs_number=None))], W)
    assert found.decision is LinkDecision.NEW_PERSON
    assert "names-only" in found.evidence.guards


def test_names_with_one_corroborating_field_still_link() -> None:
    """Names plus the birth date (postcode and address missing) is not names alone."""
    incoming = record(nhs_number=None, org="GP1", local_id="N9", postcode=None, address=None)
    found = match(incoming, [_person(record(nhs_number=None))], W)
    assert "names-only" not in found.evidence.guards
    assert found.decision is LinkDecision.AUTO_LINK


@pytest.mark.parametrize("birth_date", [None, date(1984, 3, 28)])  # missing; year and month only
def test_household_member_without_a_birth_date_is_a_new_person(birth_date: date | None) -> None:
    """Another given name, the same family name and address, and no birth date to tell them
    apart: a spouse or child at one address, however well the address scores (the guard
    ``household``). A new person at any score, never a link or a review."""
    incoming = record(
        nhs_number=None,
        org="GP1",
        local_id="N9",
        given_name="Piotr",
        sex="male",
        birth_date=birth_date,
    )
    found = match(incoming, [_person(record(nhs_number=None))], W)
    assert found.decision is LinkDecision.NEW_PERSON
    assert "household" in found.evidence.guards
    assert found.evidence.levels[Field.BIRTH_DATE] in (Level.NULL, Level.PARTIAL)


def test_household_guard_spares_nicknames_typos_and_placeholders() -> None:
    """Only a wholly different given name is another household member: Annie beside Anna
    without a birth date still links on the address, and a placeholder (Baby) is reviewed as
    before, not made a new person."""
    stored = _person(record(nhs_number=None, birth_date=None))
    nickname = record(
        nhs_number=None, org="GP1", local_id="N9", given_name="Annie", birth_date=None
    )
    assert "household" not in match(nickname, [stored], W).evidence.guards
    baby = record(nhs_number=None, org="GP1", local_id="N8", given_name="Baby", birth_date=None)
    found = match(baby, [stored], W)
    assert "household" not in found.evidence.guards
    assert found.decision is not LinkDecision.AUTO_LINK


def test_a_level_weighing_against_a_match_does_not_corroborate_names() -> None:
    """Names and a postcode in the same sector (LU1 2AB, LU1 2XY) and nothing else: under the
    shipped weights a sector agreement weighs against a match (more common among different
    people), so this is names alone; under weights where it counts for a match (FEBRL's) the
    same pair is scored as before."""
    incoming = record(
        nhs_number=None, org="GP1", local_id="N9", birth_date=None, postcode="LU1 2XY", address=None
    )
    stored = _person(record(nhs_number=None))
    assert W.weight(Field.POSTCODE, Level.SECTOR) < 0
    found = match(incoming, [stored], W)
    assert found.evidence.levels[Field.POSTCODE] is Level.SECTOR
    assert found.decision is LinkDecision.NEW_PERSON and "names-only" in found.evidence.guards
    febrl = load("2026-12-06-febrl3-em")
    assert febrl.weight(Field.POSTCODE, Level.SECTOR) > 0
    assert is_names_only(found.evidence.levels) is False
    assert "names-only" not in match(incoming, [stored], febrl).evidence.guards
