"""Laboratory panels: LOINC-coded analytes, UCUM units, UK adult reference ranges, values.

Each person has a stable baseline per analyte (so repeated tests correlate), shifted by their
conditions: diabetes raises HbA1c, chronic kidney disease raises creatinine (and eGFR, computed
from it with CKD-EPI 2009, falls), statins lower LDL. A measurement is baseline plus noise, and
its flag compares it with the reference range (critical limits where labs phone results).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from producers.simulator.conditions import Condition
from producers.simulator.names import Sex


class Panel(StrEnum):
    """The panels the simulator orders."""

    FBC = "FBC"
    UE = "U&E"
    LFT = "LFT"
    HBA1C = "HbA1c"
    LIPIDS = "Lipids"


PANEL_CODES: dict[Panel, tuple[str, str, str]] = {
    Panel.FBC: ("LOINC", "58410-2", "Full blood count"),
    Panel.UE: ("LOINC", "24362-6", "Urea and electrolytes"),
    Panel.LFT: ("LOINC", "24325-3", "Liver function tests"),
    Panel.HBA1C: ("LOCAL", "HBA1C", "HbA1c"),
    Panel.LIPIDS: ("LOINC", "24331-1", "Lipid profile"),
}
"""(code system, code, display) of each panel."""


@dataclass(frozen=True)
class Analyte:
    """One measured quantity: code, unit, reference range (female range when it differs)."""

    loinc: str
    display: str
    unit: str
    low: float | None
    high: float | None
    mean: float
    sd: float
    decimals: int = 1
    female_range: tuple[float, float] | None = None
    critical: tuple[float | None, float | None] = (None, None)

    def reference(self, sex: Sex) -> tuple[float | None, float | None]:
        """The reference interval for ``sex``."""
        return self.female_range if self.female_range and sex == "FEMALE" else (self.low, self.high)


PANELS: dict[Panel, tuple[Analyte, ...]] = {
    Panel.FBC: (
        Analyte("718-7", "Haemoglobin", "g/L", 130, 170, 145, 12, 0, (120, 150), (70, None)),
        Analyte("6690-2", "White cell count", "10*9/L", 4.0, 11.0, 7.0, 1.8, 1),
        Analyte("777-3", "Platelet count", "10*9/L", 150, 400, 260, 60, 0, None, (20, 1000)),
        Analyte("787-2", "Mean cell volume", "fL", 80, 100, 90, 5, 0),
        Analyte("751-8", "Neutrophil count", "10*9/L", 2.0, 7.5, 4.2, 1.4, 1, None, (0.5, None)),
    ),
    Panel.UE: (
        Analyte("2951-2", "Sodium", "mmol/L", 133, 146, 139, 2.5, 0, None, (120, 160)),
        Analyte("2823-3", "Potassium", "mmol/L", 3.5, 5.3, 4.3, 0.4, 1, None, (2.5, 6.5)),
        Analyte("22664-7", "Urea", "mmol/L", 2.5, 7.8, 5.2, 1.4, 1),
        Analyte("14682-9", "Creatinine", "umol/L", 59, 104, 80, 14, 0, (45, 84)),
        Analyte("62238-1", "eGFR (CKD-EPI)", "mL/min/{1.73_m2}", 60, None, 90, 0, 0),
    ),
    Panel.LFT: (
        Analyte("1742-6", "Alanine aminotransferase", "U/L", 0, 40, 24, 10, 0),
        Analyte("6768-6", "Alkaline phosphatase", "U/L", 30, 130, 80, 22, 0),
        Analyte("14631-6", "Bilirubin", "umol/L", 0, 21, 9, 4, 0),
        Analyte("1751-7", "Albumin", "g/L", 35, 50, 42, 3.5, 0),
    ),
    Panel.HBA1C: (Analyte("59261-8", "HbA1c (IFCC)", "mmol/mol", 20, 41, 36, 4, 0),),
    Panel.LIPIDS: (
        Analyte("14647-2", "Total cholesterol", "mmol/L", None, 5.0, 5.1, 0.9, 1),
        Analyte("14646-4", "HDL cholesterol", "mmol/L", 1.0, None, 1.4, 0.35, 2),
        Analyte("22748-8", "LDL cholesterol", "mmol/L", None, 3.0, 3.0, 0.8, 1),
        Analyte("14927-8", "Triglycerides", "mmol/L", None, 1.7, 1.5, 0.6, 1),
    ),
}


@dataclass(frozen=True)
class Measurement:
    """One result: the analyte, its value and how it compares with the reference range."""

    analyte: Analyte
    value: float
    low: float | None
    high: float | None
    flag: str


def _shift(analyte: Analyte, conditions: frozenset[Condition]) -> float:
    """How much a person's conditions move the analyte's mean."""
    if analyte.loinc == "59261-8" and Condition.TYPE_2_DIABETES in conditions:
        return 22.0
    if analyte.loinc == "14682-9" and Condition.CHRONIC_KIDNEY_DISEASE in conditions:
        return 70.0
    if analyte.loinc in {"22748-8", "14647-2"} and Condition.HIGH_CHOLESTEROL in conditions:
        return -0.8  # on a statin
    return 0.0


def baselines(rng: random.Random, sex: Sex, conditions: frozenset[Condition]) -> dict[str, float]:
    """A person's own typical value of every analyte (drawn in catalogue order)."""
    found = {}
    for analytes in PANELS.values():
        for analyte in analytes:
            mean = analyte.mean + _shift(analyte, conditions)
            if analyte.female_range and sex == "FEMALE":
                mean *= sum(analyte.female_range) / ((analyte.low or 0) + (analyte.high or 0))
            found[analyte.loinc] = rng.gauss(mean, analyte.sd * 0.6)
    return found


def egfr(creatinine_umol: float, *, age: int, sex: Sex) -> float:
    """CKD-EPI 2009 eGFR without the race term, reported capped at 90 as UK labs do."""
    scr = creatinine_umol / 88.4
    kappa, alpha = (0.7, -0.329) if sex == "FEMALE" else (0.9, -0.411)
    value = 141 * min(scr / kappa, 1) ** alpha * max(scr / kappa, 1) ** -1.209 * 0.993**age
    return min(90.0, float(value) * (1.018 if sex == "FEMALE" else 1.0))


def flag(value: float, analyte: Analyte, low: float | None, high: float | None) -> str:
    """The schema's abnormal flag for ``value``."""
    critical_low, critical_high = analyte.critical
    if critical_low is not None and value < critical_low:
        return "CRITICAL_LOW"
    if critical_high is not None and value > critical_high:
        return "CRITICAL_HIGH"
    if low is not None and value < low:
        return "LOW"
    if high is not None and value > high:
        return "HIGH"
    return "NORMAL"


def measure(
    panel: Panel, rng: random.Random, *, baseline: dict[str, float], age: int, sex: Sex
) -> Iterator[Measurement]:
    """One plausible set of results for ``panel`` for a person with ``baseline`` values."""
    creatinine = 80.0
    for analyte in PANELS[panel]:
        if analyte.loinc == "62238-1":
            raw = egfr(creatinine, age=max(age, 18), sex=sex)
        else:
            raw = max(0.1, rng.gauss(baseline[analyte.loinc], analyte.sd * 0.4))
        value = round(raw, analyte.decimals)
        if analyte.loinc == "14682-9":
            creatinine = value
        low, high = analyte.reference(sex)
        yield Measurement(analyte, value, low, high, flag(value, analyte, low, high))


def amend(value: float, rng: random.Random, analyte: Analyte) -> float:
    """A corrected value for an amended report (a few percent away from the first)."""
    step = max(10**-analyte.decimals, abs(value) * rng.uniform(0.02, 0.08))
    return round(value + math.copysign(step, rng.random() - 0.5), analyte.decimals)
