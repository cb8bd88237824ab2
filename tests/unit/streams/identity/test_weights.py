"""Weights files: the shipped default, round trips, and refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.identity.comparison import Field, Level
from streams.identity.errors import WeightsError
from streams.identity.twins import TwinEvidence
from streams.identity.weights import DEFAULT_VERSION, from_dict, load, save, to_dict


def test_default_version_loads_and_is_monotone() -> None:
    """The shipped weights load, name their version and have monotone weights."""
    weights = load()
    assert weights.version == DEFAULT_VERSION
    assert weights.non_monotone() == []
    assert weights.thresholds.auto_link > weights.thresholds.review


def test_round_trip(tmp_path: Path) -> None:
    """save then load gives back the same weights."""
    weights = load()
    renamed = from_dict({**to_dict(weights), "version": "copy"})
    save(renamed, directory=tmp_path)
    assert load("copy", directory=tmp_path) == renamed


def test_twin_evidence_round_trips_and_is_optional(tmp_path: Path) -> None:
    """Trained weights carry what training saw of twins; a file without it keeps the guard."""
    data = {**to_dict(load()), "version": "twins"}
    assert "twins" not in data
    assert from_dict(data).expects_twins
    data["twins"] = {"registered_apart": 0, "records": 10_000}
    weights = from_dict(data)
    assert weights.twins == TwinEvidence(0, 10_000)
    assert not weights.expects_twins
    save(weights, directory=tmp_path)
    assert load("twins", directory=tmp_path) == weights
    data["twins"] = {"registered_apart": -1, "records": 10_000}
    with pytest.raises(WeightsError, match=r"weights\.twins"):
        from_dict(data)
    data["twins"] = {"records": 10_000}
    with pytest.raises(WeightsError, match="malformed"):
        from_dict(data)


def test_versions_are_immutable(tmp_path: Path) -> None:
    """Saving a version twice is refused."""
    weights = from_dict({**to_dict(load()), "version": "once"})
    save(weights, directory=tmp_path)
    with pytest.raises(WeightsError, match="already exists"):
        save(weights, directory=tmp_path)


def test_unknown_version() -> None:
    """Loading a missing version names it."""
    with pytest.raises(WeightsError, match="no version 'nope'"):
        load("nope")


def test_non_monotone_file_is_refused() -> None:
    """A file where a worse level outweighs a better one is refused."""
    data = to_dict(load())
    data["fields"]["sex"] = {"exact": {"m": 0.5, "u": 0.5}, "else": {"m": 0.9, "u": 0.1}}
    with pytest.raises(WeightsError, match=r"not monotone at sex\.else"):
        from_dict(data)


def test_probabilities_out_of_range_are_refused() -> None:
    """m and u must lie in (0, 1]."""
    data = json.loads(json.dumps(to_dict(load())))
    data["fields"]["sex"]["exact"]["u"] = 0
    with pytest.raises(WeightsError, match=r"weights.fields.sex.exact"):
        from_dict(data)


def test_default_scores_nhs_agreement_strongly() -> None:
    """In the shipped weights an agreeing NHS number outweighs any single demographic field."""
    weights = load()
    nhs = weights.weight(Field.NHS_NUMBER, Level.EXACT)
    assert nhs > max(weights.weight(f, Level.EXACT) for f in Field if f is not Field.NHS_NUMBER)


@pytest.mark.parametrize("version", ["../escaped", "sub/escaped", "..", ""])
def test_unsafe_versions_are_refused(tmp_path: Path, version: str) -> None:
    """A version that is not a plain file name is neither written nor read."""
    inside = tmp_path / "weights"
    weights = from_dict({**to_dict(load()), "version": version})
    with pytest.raises(WeightsError, match="version must be"):
        save(weights, directory=inside)
    assert not list(tmp_path.rglob("*.json"))


def test_term_frequencies_round_trip_and_are_checked() -> None:
    """A weights file's term frequencies survive save/load; a share outside (0, 1] is refused."""
    trained = load("2026-12-06-febrl3-em")
    assert trained.term_frequencies[Field.FAMILY_NAME]["WHITE"] > 0.01
    assert from_dict(to_dict(trained)).term_frequencies == trained.term_frequencies
    data = json.loads(json.dumps(to_dict(trained)))
    data["term_frequencies"]["family_name"]["WHITE"] = 0
    with pytest.raises(WeightsError, match=r"weights.term_frequencies.family_name"):
        from_dict(data)
