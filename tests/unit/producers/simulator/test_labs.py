"""Laboratory catalogue and values: LOINC codes, UCUM units, flags, eGFR."""

from __future__ import annotations

import pytest

from producers.simulator import labs
from producers.simulator.conditions import Condition
from producers.simulator.labs import PANELS, Panel
from producers.simulator.randomness import seeded

HAEMOGLOBIN = PANELS[Panel.FBC][0]
POTASSIUM = PANELS[Panel.UE][1]


@pytest.mark.parametrize(
    ("panel", "loinc_units"),
    [
        (
            Panel.FBC,
            [
                ("718-7", "g/L"),
                ("6690-2", "10*9/L"),
                ("777-3", "10*9/L"),
                ("787-2", "fL"),
                ("751-8", "10*9/L"),
            ],
        ),
        (
            Panel.UE,
            [
                ("2951-2", "mmol/L"),
                ("2823-3", "mmol/L"),
                ("22664-7", "mmol/L"),
                ("14682-9", "umol/L"),
                ("62238-1", "mL/min/{1.73_m2}"),
            ],
        ),
        (
            Panel.LFT,
            [("1742-6", "U/L"), ("6768-6", "U/L"), ("14631-6", "umol/L"), ("1751-7", "g/L")],
        ),
        (Panel.HBA1C, [("59261-8", "mmol/mol")]),
        (
            Panel.LIPIDS,
            [
                ("14647-2", "mmol/L"),
                ("14646-4", "mmol/L"),
                ("22748-8", "mmol/L"),
                ("14927-8", "mmol/L"),
            ],
        ),
    ],
)
def test_panel_analytes_codes_and_units(panel: Panel, loinc_units: list[tuple[str, str]]) -> None:
    """Every panel lists its analytes with LOINC codes and UCUM units."""
    assert [(a.loinc, a.unit) for a in PANELS[panel]] == loinc_units


@pytest.mark.parametrize(
    ("analyte", "value", "sex", "expected"),
    [
        (HAEMOGLOBIN, 140, "MALE", "NORMAL"),
        (HAEMOGLOBIN, 125, "MALE", "LOW"),
        (HAEMOGLOBIN, 125, "FEMALE", "NORMAL"),
        (HAEMOGLOBIN, 65, "FEMALE", "CRITICAL_LOW"),
        (POTASSIUM, 5.6, "MALE", "HIGH"),
        (POTASSIUM, 6.8, "MALE", "CRITICAL_HIGH"),
        (POTASSIUM, 3.2, "FEMALE", "LOW"),
    ],
)
def test_abnormal_flags(analyte: labs.Analyte, value: float, sex: str, expected: str) -> None:
    """Flags compare the value with the sex-specific range and the critical limits."""
    low, high = analyte.reference(sex)  # type: ignore[arg-type]
    assert labs.flag(value, analyte, low, high) == expected


@pytest.mark.parametrize(
    ("creatinine", "age", "sex", "expected"),
    [
        (80, 50, "MALE", 90.0),
        (80, 50, "FEMALE", 74.1),
        (150, 70, "MALE", 40.1),
        (250, 80, "FEMALE", 15.1),
    ],
)
def test_egfr_ckd_epi(creatinine: float, age: int, sex: str, expected: float) -> None:
    """eGFR follows CKD-EPI 2009 and is capped at 90 as UK labs report it."""
    assert round(labs.egfr(creatinine, age=age, sex=sex), 1) == expected  # type: ignore[arg-type]


def test_diabetes_raises_hba1c() -> None:
    """People with type 2 diabetes have higher HbA1c baselines on average."""

    def mean(conditions: frozenset[Condition]) -> float:
        values = [labs.baselines(seeded(i), "MALE", conditions)["59261-8"] for i in range(300)]
        return sum(values) / len(values)

    assert mean(frozenset({Condition.TYPE_2_DIABETES})) - mean(frozenset()) > 15


def test_measure_gives_one_result_per_analyte_with_consistent_flags() -> None:
    """A panel yields each analyte once, with a flag matching its value and range."""
    baseline = labs.baselines(seeded(1), "FEMALE", frozenset())
    results = list(labs.measure(Panel.UE, seeded(2), baseline=baseline, age=60, sex="FEMALE"))
    assert [r.analyte.loinc for r in results] == [a.loinc for a in PANELS[Panel.UE]]
    for result in results:
        assert result.flag == labs.flag(result.value, result.analyte, result.low, result.high)


def test_amended_value_differs() -> None:
    """An amendment changes the value by a small amount."""
    amended = labs.amend(140.0, seeded(3), HAEMOGLOBIN)
    assert amended != 140.0 and abs(amended - 140.0) <= 140 * 0.08 + 1
