"""The matching rules, as a pure function of a record, its candidates and a weights version.

1. A valid, VERIFIED NHS number held by exactly one person links to that person, unless the
   demographics clearly conflict, or show the twin pattern (a wholly different given name at
   the same birth date and family name: the other twin's number keyed on this record): then
   REVIEW. Held by several persons: REVIEW. A placeholder name (Baby, Unknown) on either side
   links by it only when both records' numbers are verified, birth date and sex agree exactly
   and no other candidate could be a sibling of the same birth; test patients never link.
2. Otherwise every candidate whose records carry a *different* valid NHS number is excluded
   (two different valid NHS numbers are two people), the rest are scored (Fellegi-Sunter, best
   record of each person) and the best is decided by the thresholds.
3. Guards only ever lower a decision: placeholder identities (Baby, Unknown, Test), the twin
   pattern (same family name and birth date, different given name) and wholly different birth
   dates (parent and child at one address) never auto-link; two persons both above the
   auto-link threshold and close to each other go to review. An agreeing NHS number that is
   not verified strengthens a demographic match but never replaces one: without its weight the
   demographics must still reach the review threshold, and must not clearly conflict.
   Names alone (nothing else agreeing), and a household member's pattern (a wholly different
   given name, the same family name, no birth date to tell them apart) never link. A guard
   sends a genuine conflict to review; where the pattern says two people and no person is
   needed to see it (a score below auto-link, or a twin the record's own organisation
   registered apart), the record is a new person instead.

Known source records never reach this module: they resolve from the MPI without scoring.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from schemas.events import PersonId
from streams.identity.comparison import (
    Comparison,
    Field,
    Level,
    compare,
    keying_slip,
    shared_tokens,
)
from streams.identity.decision import LinkDecision, decide
from streams.identity.demographics import Demographics
from streams.identity.nicknames import is_listed
from streams.identity.normalise import Profile, profile
from streams.identity.scoring import MatchWeights, Score, score

AMBIGUITY_MARGIN = 4.0

__all__ = [
    "AMBIGUITY_MARGIN",
    "NEW_PERSON_GUARDS",
    "TWO_PEOPLE_GUARDS",
    "CandidatePerson",
    "Evidence",
    "Match",
    "Rule",
    "clearly_conflicts",
    "is_household_pattern",
    "is_misspelt_name",
    "is_names_only",
    "is_twin_pattern",
    "match",
    "score_pair",
]


class Rule(StrEnum):
    """Why a source record is linked where it is (``rule`` in evidence and identity changes)."""

    NHS_NUMBER = "nhs-number"
    NHS_NUMBER_PLACEHOLDER = "nhs-number-placeholder"
    NHS_CONFLICT = "nhs-number-conflict"
    NHS_AMBIGUOUS = "nhs-number-ambiguous"
    PROBABILISTIC = "probabilistic"
    NO_CANDIDATE = "no-candidate"
    REVIEW_ACCEPT = "review-accept"
    REVIEW_REJECT = "review-reject"
    HL7_A40 = "hl7-a40"
    NHS_ELSEWHERE = "nhs-number-elsewhere"
    UNMERGE_RECHECK = "unmerge-recheck"
    OPERATOR = "operator"


@dataclass(frozen=True)
class CandidatePerson:
    """A person found by blocking, with the demographics of every record linked to them."""

    person_id: PersonId
    records: tuple[Demographics, ...]


@dataclass(frozen=True)
class Evidence:
    """Why a decision was made: ids, levels and weights only, never a demographic value."""

    rule: Rule
    weights_version: str
    score: float | None = None
    candidate_person_id: PersonId | None = None
    levels: Mapping[Field, Level] = field(default_factory=dict)
    contributions: Mapping[Field, float] = field(default_factory=dict)
    guards: tuple[str, ...] = ()
    candidates: int = 0

    def to_json(self) -> dict[str, Any]:
        """JSON for the MPI's evidence column."""
        return {
            "rule": self.rule.value,
            "score": self.score,
            "weights_version": self.weights_version,
            "candidate_person_id": self.candidate_person_id,
            "guards": list(self.guards),
            "candidates": self.candidates,
            "levels": {str(k): str(v) for k, v in self.levels.items()},
            "contributions": {str(k): round(v, 3) for k, v in self.contributions.items()},
        }


@dataclass(frozen=True)
class Match:
    """A decision, the person it concerns (None for NEW_PERSON) and its evidence."""

    decision: LinkDecision
    person_id: PersonId | None
    evidence: Evidence


@dataclass(frozen=True)
class _Scored:
    person: CandidatePerson
    score: Score
    levels: Comparison
    best: Profile
    birth_dates_disagree: bool = False
    """Another record of the person has a wholly different birth date from the new record."""


def _score_person(p: Profile, person: CandidatePerson, weights: MatchWeights) -> _Scored:
    """The person's best record decides the score; every record is compared, so a link that
    would put a second, wholly different birth date into the person is known (README rule 4,
    ``person-birth-date-conflict``)."""
    results = []
    for record in person.records:
        other = profile(record)
        levels, scored = score_pair(p, other, weights)
        results.append(_Scored(person, scored, levels, other))
    best = max(results, key=lambda s: s.score.total)
    if any(r.levels[Field.BIRTH_DATE] is Level.ELSE for r in results):
        return replace(best, birth_dates_disagree=True)
    return best


def score_pair(p: Profile, other: Profile, weights: MatchWeights) -> tuple[Comparison, Score]:
    """Two records' levels and score (exact name agreement adjusted by term frequency, and
    the address by the tokens the two share, when the weights hold those tables)."""
    levels = compare(p, other)
    values = _tf_values(p)
    if Field.ADDRESS in weights.term_frequencies:
        values[Field.ADDRESS] = shared_tokens(p.address, other.address)
    return levels, score(levels, weights, values)


def _tf_values(p: Profile) -> dict[Field, str | None]:
    """The values term frequencies are kept for (family name without spaces, as compared)."""
    return {
        Field.GIVEN_NAME: p.given,
        Field.FAMILY_NAME: p.family.replace(" ", "") if p.family else None,
    }


def clearly_conflicts(levels: Comparison) -> bool:
    """Demographics that contradict an NHS number match: birth date and sex both disagree,
    or given and family names both fully disagree and the birth date disagrees."""
    dob_differs = levels[Field.BIRTH_DATE] in (Level.PARTIAL, Level.ELSE)
    sex_differs = levels[Field.SEX] is Level.ELSE
    names_differ = (
        levels[Field.GIVEN_NAME] is Level.ELSE and levels[Field.FAMILY_NAME] is Level.ELSE
    )
    return dob_differs and (sex_differs or names_differ)


#: A twin's birth date as keyed on the other twin's record: the same, or one keying error
#: away (a day/month swap joined two twins on the region without NHS numbers).
_TWIN_BIRTH = (Level.EXACT, Level.TRANSPOSED, Level.TYPO)


def is_twin_pattern(p: Profile, other: Profile, levels: Comparison, weights: MatchWeights) -> bool:
    """Same family name and birth date, different given name. An agreeing NHS number excuses
    only a typo-like given name (FUZZY): twins never share an NHS number, but a wholly
    different given name with an agreeing number may be a twin's number filed on the other.
    A keyed misspelling of a known name is no twin either (:func:`is_misspelt_name`)."""
    typo_with_same_number = (
        levels[Field.GIVEN_NAME] is Level.FUZZY and levels[Field.NHS_NUMBER] is Level.EXACT
    )
    return (
        not typo_with_same_number
        and levels[Field.GIVEN_NAME] in (Level.FUZZY, Level.ELSE)
        and levels[Field.BIRTH_DATE] in _TWIN_BIRTH
        and levels[Field.FAMILY_NAME] in (Level.EXACT, Level.FUZZY_HIGH)
        and not is_misspelt_name(p, other, levels, weights)
    )


def is_misspelt_name(p: Profile, other: Profile, levels: Comparison, weights: MatchWeights) -> bool:
    """The given names are one keystroke apart (``keying_slip``), the sex does not disagree,
    and exactly one of the two is a known given name (in the weights' term-frequency table,
    i.e. seen at least twice in training, or in the nickname table). Twins are given real
    names, so KATE beside KAWE or NOAH beside NOAJ is a keying error, while ELLIE beside ELSIE
    (both known) stays a possible twin. Without a name table nothing is excused."""
    table = weights.term_frequencies.get(Field.GIVEN_NAME)
    if not table or levels[Field.SEX] is Level.ELSE or not keying_slip(p.given, other.given):
        return False
    return _known_name(p.given, table) != _known_name(other.given, table)


def _known_name(name: str | None, table: Mapping[str, float]) -> bool:
    return bool(name) and (name in table or is_listed(name or ""))


_NO_PLACE = (Level.PARTIAL, Level.ELSE, Level.NULL)


def _is_namesake_pattern(levels: Comparison) -> bool:
    """A birth date that is only near (typo or partial) and nothing about the place agrees
    (postcode and address at most partial): on the synthetic region without NHS numbers every
    such pair was two people (George Davies born 2012 and 2022, same day and month, in two
    towns), and they scored above auto-link on their names alone (issue 13). An agreeing NHS
    number is corroboration enough."""
    return (
        levels[Field.BIRTH_DATE] in (Level.TYPO, Level.PARTIAL)
        and levels[Field.POSTCODE] in _NO_PLACE
        and levels[Field.ADDRESS] in _NO_PLACE
        and levels[Field.NHS_NUMBER] is not Level.EXACT
    )


def is_household_pattern(levels: Comparison) -> bool:
    """A wholly different given name beside the same family name, and no birth date to tell
    them apart (one side lacks it, or only part of it agrees): another member of the household
    (spouse, child, sibling at one address). With the birth date agreeing this is the twin
    pattern, with it wholly different a birth-date conflict; without it, the address and
    postcode that household members share scored such pairs above auto-link (issue 13, third
    round: 57 wrong links on the region with fields missing once blocking paired records
    lacking a birth date with complete ones). An agreeing NHS number is corroboration enough."""
    return (
        levels[Field.GIVEN_NAME] is Level.ELSE
        and levels[Field.FAMILY_NAME] in (Level.EXACT, Level.FUZZY_HIGH)
        and levels[Field.BIRTH_DATE] in (Level.NULL, Level.PARTIAL)
        and levels[Field.NHS_NUMBER] is not Level.EXACT
    )


_CORROBORATING: Mapping[Field, tuple[Level, ...]] = {
    Field.NHS_NUMBER: (Level.EXACT,),
    Field.BIRTH_DATE: (Level.EXACT, Level.TRANSPOSED, Level.TYPO),
    Field.POSTCODE: (Level.EXACT, Level.SECTOR),
    Field.ADDRESS: (Level.EXACT, Level.FUZZY_HIGH, Level.PARTIAL),
}


def is_names_only(levels: Comparison, weights: MatchWeights | None = None) -> bool:
    """Nothing but names (and sex) agree: no NHS number, no birth date within one keying error,
    no postcode sector and no address in common, because one side lacks them or they differ.
    A region holds many people of one full name, so names alone never make a link: on the
    region without NHS numbers and with fields missing, 2,032 of its 2,285 wrong links were
    such pairs (issue 13). With ``weights``, a level corroborates only when its weight is
    positive there: in the region's weights a postcode sector or a partial address is more
    common among different people than among matches (its weight is negative), and names with
    nothing else but those made 28 of the 120 wrong links on that set (issue 13, third round)."""
    return not any(
        levels.get(name) in agreeing and (weights is None or weights.weight(name, levels[name]) > 0)
        for name, agreeing in _CORROBORATING.items()
    )


def _evidence(
    rule: Rule, best: _Scored, weights: MatchWeights, guards: list[str], count: int
) -> Evidence:
    return Evidence(
        rule=rule,
        weights_version=weights.version,
        score=round(best.score.total, 3),
        candidate_person_id=best.person.person_id,
        levels=best.levels,
        contributions=best.score.contributions,
        guards=tuple(guards),
        candidates=count,
    )


def _by_nhs_number(
    p: Profile,
    holders: list[CandidatePerson],
    others: Sequence[CandidatePerson],
    weights: MatchWeights,
    count: int,
) -> Match:
    scored = sorted(
        (_score_person(p, h, weights) for h in holders), key=lambda s: s.score.total, reverse=True
    )
    best = scored[0]
    if len(holders) > 1:
        return Match(
            LinkDecision.REVIEW,
            best.person.person_id,
            _evidence(Rule.NHS_AMBIGUOUS, best, weights, [], count),
        )
    if clearly_conflicts(best.levels):
        return Match(
            LinkDecision.REVIEW,
            best.person.person_id,
            _evidence(Rule.NHS_CONFLICT, best, weights, [], count),
        )
    rule = Rule.NHS_NUMBER
    twin = _could_be_the_twin(best.levels) and not is_misspelt_name(
        p, best.best, best.levels, weights
    )
    guards = ["twin-pattern"] if twin else []
    if p.placeholder or best.best.placeholder:
        rule = Rule.NHS_NUMBER_PLACEHOLDER
        guards = _placeholder_guards(p, best, others)
    decision = LinkDecision.REVIEW if guards else LinkDecision.AUTO_LINK
    return Match(decision, best.person.person_id, _evidence(rule, best, weights, guards, count))


def _could_be_the_twin(levels: Comparison) -> bool:
    """Rule 1's twin check: same birth date and family name, and either the sex differs
    (Oliver/Olivia) or the given name agrees only loosely (Harry/Harvey, Ellie/Elsie: FUZZY,
    SWAPPED or ELSE). A verified number cannot tell twins apart when it was keyed on the wrong
    one; FUZZY_HIGH (a one-letter typo) and nicknames of the same sex still link."""
    same_birth = levels[Field.BIRTH_DATE] is Level.EXACT and levels[Field.FAMILY_NAME] in (
        Level.EXACT,
        Level.FUZZY_HIGH,
    )
    loose_given = levels[Field.GIVEN_NAME] in (Level.FUZZY, Level.SWAPPED, Level.ELSE)
    return same_birth and (levels[Field.SEX] is Level.ELSE or loose_given)


def _placeholder_guards(p: Profile, best: _Scored, others: Sequence[CandidatePerson]) -> list[str]:
    """A placeholder name never links on demographics, but a verified NHS number is the
    identity itself: a newborn's "Baby" record gets its number from the Birth Notification at
    birth. So a placeholder may link by that number when both records carry it verified and
    birth date and sex agree exactly (a mother's number keyed on her baby's record fails on the
    birth date), and no other candidate shares the family name and birth date: with a twin in
    the block, the number keyed may be the twin's. Test patients never link."""
    other = best.best
    if p.test_identity or other.test_identity:
        return ["placeholder"]
    if not (
        p.nhs_verified
        and other.nhs_verified
        and other.nhs_number == p.nhs_number
        and best.levels[Field.BIRTH_DATE] is Level.EXACT
        and best.levels[Field.SEX] is Level.EXACT
    ):
        return ["placeholder"]
    if any(_same_birth(p, c) for c in others if c.person_id != best.person.person_id):
        return ["placeholder", "possible-sibling"]
    return []


def _same_birth(p: Profile, person: CandidatePerson) -> bool:
    """True when ``person`` has a record with ``p``'s exact birth date and family name."""
    for record in person.records:
        levels = compare(p, profile(record))
        if levels[Field.BIRTH_DATE] is Level.EXACT and levels[Field.FAMILY_NAME] in (
            Level.EXACT,
            Level.FUZZY_HIGH,
        ):
            return True
    return False


def _holds_other_number(p: Profile, person: CandidatePerson) -> bool:
    numbers = {profile(r).nhs_number for r in person.records} - {None}
    return p.nhs_number is not None and bool(numbers - {p.nhs_number})


def _too_close(best: _Scored, second: _Scored, weights: MatchWeights) -> bool:
    """Two persons both above the auto-link threshold and within 2**AMBIGUITY_MARGIN of each
    other: the MPI may hold a duplicate, or they are different people; a person decides."""
    return (
        second.score.total >= weights.thresholds.auto_link
        and best.score.total - second.score.total < AMBIGUITY_MARGIN
    )


def _nhs_number_guards(best: _Scored, weights: MatchWeights) -> list[str]:
    """An agreeing (unverified) NHS number must not carry a link on its own: the demographics
    without its weight must reach the review threshold and must not clearly conflict."""
    if best.levels.get(Field.NHS_NUMBER) is not Level.EXACT:
        return []
    demographic = best.score.total - best.score.contributions.get(Field.NHS_NUMBER, 0.0)
    guards = []
    if demographic < weights.thresholds.review:
        guards.append("nhs-number-only")
    if clearly_conflicts(best.levels):
        guards.append("nhs-number-conflict")
    return guards


def _guards(
    p: Profile, record: Demographics, ranked: list[_Scored], weights: MatchWeights
) -> list[str]:
    best = ranked[0]
    guards = _nhs_number_guards(best, weights)
    if p.placeholder or best.best.placeholder:
        guards.append("placeholder")
    # Weights trained on records that rule twins out drop the guard (``twins.py``), but a
    # pair the record's own organisation registered apart stays two patients there.
    if is_twin_pattern(p, best.best, best.levels, weights) and (
        weights.expects_twins or _registered_apart(record, best.person)
    ):
        guards.append("twin-pattern")
    if best.levels[Field.BIRTH_DATE] is Level.ELSE:
        guards.append("birth-date-conflict")
    elif best.birth_dates_disagree:
        guards.append("person-birth-date-conflict")
    if _is_namesake_pattern(best.levels):
        guards.append("namesake")
    if is_names_only(best.levels, weights):
        guards.append("names-only")
    if is_household_pattern(best.levels) and not (p.placeholder or best.best.placeholder):
        guards.append("household")
    if len(ranked) > 1 and _too_close(best, ranked[1], weights):
        guards.append("ambiguous")
    return guards


#: Guards whose pattern, on the region without NHS numbers, was two people nearly every time
#: (twins, namesakes elsewhere, parent and child): below the auto-link threshold a person
#: reviewing them would only confirm it (issue 13: 722 of 723 namesake reviews were two
#: people, 304 of 305 twin reviews below auto-link), so such a record is a new person.
TWO_PEOPLE_GUARDS = frozenset(
    {"twin-pattern", "namesake", "birth-date-conflict", "person-birth-date-conflict"}
)


#: Guards that make a new person at any score: nothing a person reviewing the pair could see
#: tells them apart better than the rule (names alone; a household member's record without a
#: birth date). A new person is at worst a duplicate, which a merge joins later.
NEW_PERSON_GUARDS = frozenset({"names-only", "household"})


def _capped(
    scored: LinkDecision, guards: list[str], best: _Scored, record: Demographics
) -> LinkDecision:
    """Guards lower AUTO_LINK to REVIEW (a genuine conflict: a person decides). Two cases need
    no person, and become NEW_PERSON: a score already below auto-link with a two-people
    pattern, and the twin pattern against a person the record's own organisation already
    registered under another local id (the organisation keeps them as two patients: 497 of
    497 such reviews on the region without NHS numbers were twins). Neither applies when an
    agreeing (unverified) NHS number makes the pair worth a person's look, and a placeholder
    (Baby then the named child at one hospital) is always reviewed. Never raises a decision."""
    if not guards:
        return scored
    if NEW_PERSON_GUARDS.intersection(guards):
        return LinkDecision.NEW_PERSON
    if best.levels[Field.NHS_NUMBER] is Level.EXACT or "placeholder" in guards:
        return scored.at_most(LinkDecision.REVIEW)
    if scored is LinkDecision.REVIEW and TWO_PEOPLE_GUARDS.intersection(guards):
        return LinkDecision.NEW_PERSON
    if "twin-pattern" in guards and _registered_apart(record, best.person):
        return LinkDecision.NEW_PERSON
    return scored.at_most(LinkDecision.REVIEW)


def _registered_apart(record: Demographics, person: CandidatePerson) -> bool:
    """The person holds a record of ``record``'s organisation under another local id."""
    return any(r.org == record.org and r.local_id != record.local_id for r in person.records)


def match(
    record: Demographics, candidates: Sequence[CandidatePerson], weights: MatchWeights
) -> Match:
    """Decide where ``record`` belongs among ``candidates`` (persons found by blocking)."""
    p = profile(record)
    count = len(candidates)
    verified = record.verified_nhs_number
    holders = [
        c
        for c in candidates
        if verified and any(profile(r).nhs_number == verified for r in c.records)
    ]
    if holders:
        return _by_nhs_number(p, holders, candidates, weights, count)
    eligible = [c for c in candidates if not _holds_other_number(p, c)]
    ranked = sorted(
        (_score_person(p, c, weights) for c in eligible), key=lambda s: s.score.total, reverse=True
    )
    if not ranked:
        return Match(
            LinkDecision.NEW_PERSON,
            None,
            Evidence(Rule.NO_CANDIDATE, weights.version, candidates=count),
        )
    best = ranked[0]
    guards = _guards(p, record, ranked, weights)
    decision = _capped(decide(best.score.total, weights.thresholds), guards, best, record)
    person = best.person.person_id if decision is not LinkDecision.NEW_PERSON else None
    return Match(decision, person, _evidence(Rule.PROBABILISTIC, best, weights, guards, count))
