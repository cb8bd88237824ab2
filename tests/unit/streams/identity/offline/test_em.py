"""EM estimation recovers known m/u from unlabelled pairs, and keeps weights monotone."""

from __future__ import annotations

import math
import random

import pytest

from streams.identity.comparison import LEVELS, Comparison, Field, Level
from streams.identity.offline.em import estimate, fit, make_monotone
from streams.identity.offline.training import MIN_TOKEN_RECORDS, term_frequencies, twin_evidence
from streams.identity.scoring import LevelProbabilities
from streams.identity.twins import TwinEvidence
from streams.identity.weights import load, starting_weights
from tests.unit.mcr.core.test_progress_port import Recorder
from tests.unit.streams.identity.people import record, twin_of

TRUE_M = {Level.EXACT: 0.9, Level.ELSE: 0.1}
TRUE_U = {Level.EXACT: 0.05, Level.ELSE: 0.95}


def _pair(rng: random.Random, matched: bool) -> Comparison:
    table = TRUE_M if matched else TRUE_U
    vector = {name: Level.NULL for name in LEVELS}
    for name in (Field.SEX, Field.NHS_NUMBER):
        vector[name] = Level.NULL
    for name in (Field.GIVEN_NAME, Field.FAMILY_NAME, Field.BIRTH_DATE):
        vector[name] = Level.EXACT if rng.random() < table[Level.EXACT] else Level.ELSE
    return vector


def test_em_recovers_m_and_match_share() -> None:
    """From 30% matched pairs generated with m(exact)=0.9, EM finds m and the share."""
    rng = random.Random(7)
    blocked = [_pair(rng, rng.random() < 0.3) for _ in range(20_000)]
    randoms = [_pair(rng, False) for _ in range(20_000)]
    learned = estimate(blocked, randoms, start=starting_weights(), version="t", source="test")
    assert learned.match_proportion == pytest.approx(0.3, abs=0.03)
    for name in (Field.GIVEN_NAME, Field.FAMILY_NAME, Field.BIRTH_DATE):
        assert learned.levels[name][Level.EXACT].m == pytest.approx(0.9, abs=0.03)
        assert learned.levels[name][Level.EXACT].u == pytest.approx(0.05, abs=0.01)


def test_unobserved_fields_keep_starting_values() -> None:
    """A field the data never fills (sex here) keeps the starting m and u."""
    rng = random.Random(3)
    pairs = [_pair(rng, rng.random() < 0.5) for _ in range(2_000)]
    start = starting_weights()
    learned = estimate(pairs, pairs, start=start, version="t", source="test")
    assert learned.levels[Field.SEX] == start.levels[Field.SEX]


def test_make_monotone_pools_adjacent_violators() -> None:
    """A better level weighing less than a worse one: both take their pooled weight,
    log2((0.5 + 0.5) / (0.25 + 0.125)) = log2(8/3), each keeping its u."""
    table = {
        Field.SEX: {
            Level.EXACT: LevelProbabilities(0.5, 0.25),
            Level.ELSE: LevelProbabilities(0.5, 0.125),
        }
    }
    fixed = make_monotone(table)
    assert fixed[Field.SEX][Level.EXACT].m == pytest.approx(0.25 * 8 / 3)
    assert fixed[Field.SEX][Level.ELSE].m == pytest.approx(0.125 * 8 / 3)
    assert fixed[Field.SEX][Level.EXACT].weight == pytest.approx(math.log2(8 / 3))
    assert fixed[Field.SEX][Level.ELSE].weight == pytest.approx(math.log2(8 / 3))


def test_em_converges_and_says_so() -> None:
    """On pairs generated with known m, u and a 30% match share, the diagnostic is clean."""
    rng = random.Random(11)
    blocked = [_pair(rng, rng.random() < 0.3) for _ in range(10_000)]
    randoms = [_pair(rng, False) for _ in range(10_000)]
    fitted = fit(blocked, randoms, start=starting_weights(), version="t", source="test")
    assert fitted.diagnostic.converged and fitted.diagnostic.sensible
    assert fitted.diagnostic.match_proportion == pytest.approx(0.3, abs=0.03)
    assert fitted.weights.match_proportion == fitted.diagnostic.match_proportion


def test_diagnostic_fires_when_there_is_nothing_to_learn() -> None:
    """Blocked pairs of different people only: no match class exists, and the diagnostic
    says so (no field's agreement carries a bit, the proportion collapses)."""
    rng = random.Random(5)
    blocked = [_pair(rng, False) for _ in range(10_000)]
    fitted = fit(blocked, blocked, start=starting_weights(), version="t", source="test")
    assert not fitted.diagnostic.sensible
    assert any("no signal" in p for p in fitted.diagnostic.problems)


def test_diagnostic_fires_when_em_stops_early() -> None:
    """Stopped after two iterations, EM has not converged, and the diagnostic says so."""
    rng = random.Random(2)
    blocked = [_pair(rng, rng.random() < 0.3) for _ in range(5_000)]
    fitted = fit(
        blocked, blocked, start=starting_weights(), version="t", source="test", iterations=2
    )
    assert "EM did not converge" in fitted.diagnostic.problems
    assert fitted.diagnostic.iterations == 2


def test_free_u_learns_blocked_non_matches() -> None:
    """Pairs blocked on birth date: non-matches agree on it too. Held at the random u, EM
    would call every agreeing pair a match; with the birth date's u free, the share is
    right."""
    rng = random.Random(9)

    def blocked_pair(matched: bool) -> Comparison:
        vector = _pair(rng, matched)
        vector[Field.BIRTH_DATE] = Level.EXACT  # every blocked pair agrees on the key
        return vector

    blocked = [blocked_pair(rng.random() < 0.3) for _ in range(20_000)]
    randoms = [_pair(rng, False) for _ in range(20_000)]
    free = fit(
        blocked,
        randoms,
        start=starting_weights(),
        version="t",
        source="test",
        free_u=frozenset({Field.BIRTH_DATE}),
    )
    assert free.diagnostic.match_proportion == pytest.approx(0.3, abs=0.03)
    assert free.weights.levels[Field.GIVEN_NAME][Level.EXACT].m == pytest.approx(0.9, abs=0.03)


def test_term_frequencies_of_records() -> None:
    """Shares of each name value seen twice or more, and under "" the share of one record."""
    people = [
        record(local_id="1", given_name="Anna", family_name="Smith"),
        record(local_id="2", given_name="Jan", family_name="Smith"),
        record(local_id="3", given_name="Anna", family_name="Le Roux"),
        record(local_id="4", given_name="Ewa", family_name="Le Roux"),
    ]
    tables = term_frequencies(people)
    assert tables[Field.FAMILY_NAME] == {"SMITH": 0.5, "LEROUX": 0.5, "": 0.25}
    assert tables[Field.GIVEN_NAME] == {"ANNA": 0.5, "": 0.25}
    assert tables[Field.ADDRESS] == {"": 0.25}  # four records: no token in five


def test_address_token_shares_count_records_not_tokens() -> None:
    """An address token's share is the share of records with an address that hold it; a token
    in fewer than MIN_TOKEN_RECORDS records (a household's own words) is left out."""
    people = [
        record(local_id=str(n), address=f"{n} High Street High Street, Luton") for n in range(6)
    ]
    people += [record(local_id="x", address=None), record(local_id="y", address="1 Mill Lane")]
    table = term_frequencies(people)[Field.ADDRESS]
    assert MIN_TOKEN_RECORDS == 5
    assert table == {"HIGH": 6 / 7, "STREET": 6 / 7, "LUTON": 6 / 7, "": 1 / 7}


def test_fit_reports_each_iteration_to_its_progress() -> None:
    """EM tells its progress one phase sized by the iteration cap, and one advance per
    iteration it ran (fewer than the cap when it converged)."""
    rng = random.Random(11)
    blocked = [_pair(rng, rng.random() < 0.3) for _ in range(2_000)]
    randoms = [_pair(rng, False) for _ in range(2_000)]
    progress = Recorder()
    fitted = fit(blocked, randoms, start=starting_weights(), version="t", source="test",
                 progress=progress, phase="EM by name")  # fmt: skip
    assert progress.calls[0] == ("phase", ("EM by name", 500))
    assert progress.advanced() == fitted.diagnostic.iterations < 500


def test_twin_evidence_counts_twins_one_organisation_registered_apart() -> None:
    """Anna and her twin at one practice count; the same twin at another organisation and a
    record alone at its organisation do not (neither was registered apart by one)."""
    anna = record(nhs_number=None)
    at_practice = twin_of(anna, nhs_number=None, local_id="T2")
    elsewhere = twin_of(anna, nhs_number=None, org="GP1", local_id="T3")
    weights = load()
    assert twin_evidence([anna, at_practice, elsewhere], weights) == TwinEvidence(1, 2)
    assert twin_evidence([anna, elsewhere], weights) == TwinEvidence(0, 0)
