"""Versioned m/u weights files: ``streams/identity/weights/<version>.json``.

A file holds, per field and level, ``m`` and ``u``, plus the thresholds calibrated with those
weights, where they came from and (trained since issue 13's fifth round) what training saw of
twins registered apart (``twins.py``: absent, the twin guard applies). The scorer loads one
version; every link's evidence names it.
:func:`starting_weights` are documented priors: the start of EM, and the value of any level the
training data never shows (e.g. sex in a file without that column).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from streams.identity.comparison import Field, Level
from streams.identity.decision import Thresholds
from streams.identity.errors import WeightsError
from streams.identity.scoring import LevelProbabilities, MatchWeights
from streams.identity.twins import TwinEvidence

__all__ = [
    "DEFAULT_VERSION",
    "WEIGHTS_DIR",
    "check_version",
    "from_dict",
    "load",
    "save",
    "starting_weights",
    "to_dict",
]

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
DEFAULT_VERSION = "2026-12-06-region7-em"
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")

_PRIORS: dict[Field, dict[Level, tuple[float, float]]] = {
    Field.NHS_NUMBER: {Level.EXACT: (0.95, 1e-6), Level.ELSE: (0.05, 0.999999)},
    Field.GIVEN_NAME: {
        Level.EXACT: (0.80, 0.01),
        Level.NICKNAME: (0.06, 0.002),
        Level.FUZZY_HIGH: (0.05, 0.003),
        Level.FUZZY: (0.03, 0.01),
        Level.SWAPPED: (0.01, 0.0005),
        Level.ELSE: (0.05, 0.975),
    },
    Field.FAMILY_NAME: {
        Level.EXACT: (0.80, 0.005),
        Level.FUZZY_HIGH: (0.06, 0.003),
        Level.FUZZY: (0.03, 0.01),
        Level.SWAPPED: (0.01, 0.0005),
        Level.ELSE: (0.10, 0.98),
    },
    Field.BIRTH_DATE: {
        Level.EXACT: (0.88, 0.0003),
        Level.TRANSPOSED: (0.02, 0.00003),
        Level.TYPO: (0.03, 0.0003),
        Level.PARTIAL: (0.05, 0.006),
        Level.ELSE: (0.02, 0.99),
    },
    Field.SEX: {Level.EXACT: (0.98, 0.5), Level.ELSE: (0.02, 0.5)},
    Field.POSTCODE: {
        Level.EXACT: (0.70, 0.0005),
        Level.SECTOR: (0.05, 0.005),
        Level.DISTRICT: (0.05, 0.02),
        Level.ELSE: (0.20, 0.97),
    },
    Field.ADDRESS: {
        Level.EXACT: (0.65, 0.001),
        Level.FUZZY_HIGH: (0.10, 0.005),
        Level.PARTIAL: (0.05, 0.01),
        Level.ELSE: (0.20, 0.98),
    },
}


def starting_weights(version: str = "priors") -> MatchWeights:
    """Hand-set priors (see module docstring) with conservative thresholds."""
    levels = {
        name: {level: LevelProbabilities(m, u) for level, (m, u) in table.items()}
        for name, table in _PRIORS.items()
    }
    return MatchWeights(
        version=version, levels=levels, thresholds=Thresholds(20.0, 10.0), source="hand-set priors"
    )


def to_dict(weights: MatchWeights) -> dict[str, Any]:
    """The JSON shape of a weights file."""
    return {
        "version": weights.version,
        "source": weights.source,
        "match_proportion": weights.match_proportion,
        "thresholds": {
            "auto_link": weights.thresholds.auto_link,
            "review": weights.thresholds.review,
        },
        "fields": {
            str(name): {str(level): {"m": p.m, "u": p.u} for level, p in table.items()}
            for name, table in weights.levels.items()
        },
        "term_frequencies": {
            str(name): dict(sorted(table.items()))
            for name, table in weights.term_frequencies.items()
        },
        **({"twins": asdict(weights.twins)} if weights.twins else {}),
    }


def from_dict(data: dict[str, Any]) -> MatchWeights:
    """Parse and check a weights file's JSON; raises WeightsError naming the bad field."""
    try:
        levels = {
            Field(name): {
                Level(level): LevelProbabilities(float(p["m"]), float(p["u"]))
                for level, p in table.items()
            }
            for name, table in data["fields"].items()
        }
        thresholds = Thresholds(
            float(data["thresholds"]["auto_link"]), float(data["thresholds"]["review"])
        )
        weights = MatchWeights(
            version=str(data["version"]),
            levels=levels,
            thresholds=thresholds,
            match_proportion=float(data.get("match_proportion", 0.01)),
            source=str(data.get("source", "")),
            term_frequencies={
                Field(name): {str(value): float(share) for value, share in table.items()}
                for name, table in data.get("term_frequencies", {}).items()
            },
            twins=_twins(data.get("twins")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise WeightsError(f"weights: malformed ({type(exc).__name__}: {exc})") from exc
    _check(weights)
    return weights


def _twins(data: dict[str, Any] | None) -> TwinEvidence | None:
    if data is None:
        return None
    return TwinEvidence(int(data["registered_apart"]), int(data["records"]))


def _check(weights: MatchWeights) -> None:
    for name, table in weights.levels.items():
        for level, p in table.items():
            if not (0 < p.m <= 1 and 0 < p.u <= 1):
                raise WeightsError(f"weights.fields.{name}.{level}: m and u must be in (0, 1]")
    for name, shares in weights.term_frequencies.items():
        if not all(0 < share <= 1 for share in shares.values()):
            raise WeightsError(f"weights.term_frequencies.{name}: shares must be in (0, 1]")
    twins = weights.twins
    if twins and min(twins.registered_apart, twins.records) < 0:
        raise WeightsError("weights.twins: counts must not be negative")
    if problems := weights.non_monotone():
        raise WeightsError(f"weights: not monotone at {', '.join(problems)}")


def check_version(version: str) -> str:
    """``version`` when it is a safe file name (letters, digits, ``.``, ``_``, ``-``; no path
    separator, not starting with a dot), else WeightsError."""
    if not _VERSION.match(version):
        raise WeightsError(
            "weights: version must be 1-100 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return version


def _path(version: str, directory: Path) -> Path:
    return directory / f"{check_version(version)}.json"


def load(version: str | None = None, *, directory: Path = WEIGHTS_DIR) -> MatchWeights:
    """Load ``<directory>/<version>.json`` (the default version when None)."""
    path = _path(version or DEFAULT_VERSION, directory)
    if not path.is_file():
        raise WeightsError(f"weights: no version {version or DEFAULT_VERSION!r} in {directory}")
    return from_dict(json.loads(path.read_text(encoding="utf-8")))


def save(weights: MatchWeights, *, directory: Path = WEIGHTS_DIR) -> Path:
    """Write ``<directory>/<version>.json``; refuses to overwrite (versions are immutable)."""
    path = _path(weights.version, directory)
    if path.exists():
        raise WeightsError(f"weights: version {weights.version!r} already exists")
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_dict(weights), indent=2) + "\n", encoding="utf-8")
    return path
