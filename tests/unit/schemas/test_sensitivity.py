"""Sensitive content by label and by code: the shipped lists, the matcher and its table."""

from __future__ import annotations

from typing import Any

import pytest

from schemas.events import RecordType
from schemas.sensitivity import (
    CATEGORIES,
    CODE_FIELDS,
    SENSITIVE_LABELS,
    SensitiveCodesError,
    code_categories,
    is_sensitive,
    labels_of,
    load_sensitive_codes,
    sensitive_codes,
)

SMALL = """
version = 3
[systems]
"http://snomed.info/sct" = "SNOMED"
"https://dmd.nhs.uk" = "DMD"
"http://hl7.org/fhir/sid/icd-10" = "ICD10"
"urn:opcs4" = "OPCS4"
"urn:read" = "READ"
[categories.hiv]
"http://snomed.info/sct" = ["86406008"]
"https://dmd.nhs.uk" = ["12345611000001101"]
"http://hl7.org/fhir/sid/icd-10" = ["B20", "Z21"]
[categories.sexual-health]
"http://snomed.info/sct" = ["86406008"]
[categories.termination-of-pregnancy]
"urn:opcs4" = ["Q14"]
"urn:read" = ["7E070"]
"""


def _coded(system: str, code: str) -> dict[str, Any]:
    return {"system": system, "code": code, "display": None}


@pytest.mark.parametrize(
    ("system", "code", "expected"),
    [
        ("LOINC", "75622-1", {"hiv"}),  # HIV Ag/Ab combination test
        ("LOINC", "718-7", set()),  # haemoglobin
        ("SNOMED", "86406008", {"hiv"}),
        ("SNOMED", "38341003", set()),  # hypertension
        ("SNOMED", "15628003", {"sexual-health"}),
        ("SNOMED", "714812005", {"termination-of-pregnancy"}),
        ("SNOMED", "93461009", {"gender-identity"}),
        ("SNOMED", "52637005", {"fertility-treatment"}),
        ("ICD10", "B20", {"hiv"}),
        ("ICD10", "B20.0", {"hiv"}),  # below B20: ICD-10's hierarchy is its prefix
        ("ICD10", "b200", {"hiv"}),
        ("ICD10", "B2", set()),  # above B20: not listed
        ("ICD10", "O04.9", {"termination-of-pregnancy"}),
        ("ICD10", "O03", set()),  # spontaneous abortion (miscarriage): not a termination
        ("ICD10", "Z31.2", {"fertility-treatment"}),
        ("ICD10", "F64.0", {"gender-identity"}),
        ("ICD10", "A56.0", {"sexual-health"}),
        ("READ", "B20", set()),  # a code is matched within its own system only
        ("LOCAL", "75622-1", set()),
    ],
)
def test_shipped_lists_match_codes_of_their_own_system(
    system: str, code: str, expected: set[str]
) -> None:
    """Each system's codes: exact for SNOMED CT and LOINC, by prefix for ICD-10."""
    assert sensitive_codes().categories(system, code) == expected


def test_snomed_descendants_are_not_inferred() -> None:
    """A SNOMED CT child of a listed concept matches only when it is listed itself
    (no hierarchy in the pipeline: 'HIV-related sclerosing cholangitis' is not listed)."""
    assert sensitive_codes().categories("SNOMED", "281388009") == frozenset()
    assert sensitive_codes().categories("SNOMED", "8640600") == frozenset()


def test_a_code_on_two_lists_gives_both_categories_and_dmd_matches_exactly() -> None:
    """Categories of every list a code is on; dm+d codes as exact as SNOMED CT."""
    small = load_sensitive_codes(SMALL)
    assert small.version == 3
    assert small.categories("SNOMED", "86406008") == {"hiv", "sexual-health"}
    assert small.categories("DMD", "12345611000001101") == {"hiv"}
    assert small.categories("DMD", "1234561100000110") == frozenset()
    assert small.categories("ICD10", "Z21") == {"hiv"}
    assert small.categories("OPCS4", "Q14.1") == {"termination-of-pregnancy"}  # by prefix
    assert small.categories("READ", "7E070") == {"termination-of-pregnancy"}
    assert small.categories("READ", "7E07") == frozenset()  # Read codes: exact


@pytest.mark.parametrize(
    ("record_type", "payload"),
    [
        ("result", {"code": _coded("SNOMED", "86406008"), "panel": None}),
        ("result", {"code": _coded("LOINC", "718-7"), "panel": _coded("ICD10", "B20")}),
        ("medication", {"medication": _coded("DMD", "12345611000001101")}),
        ("encounter", {"reason": _coded("ICD10", "B20.1")}),
        ("condition", {"code": _coded("SNOMED", "86406008")}),
        ("allergy", {"code": _coded("SNOMED", "1"), "reactions": [_coded("ICD10", "Z21")]}),
        ("immunisation", {"vaccine": _coded("SNOMED", "86406008")}),
    ],
)
def test_every_coded_record_type_is_read_through_its_table_entry(
    record_type: str, payload: dict[str, Any]
) -> None:
    """Each record type's coded fields (single codes and lists) are looked up."""
    assert code_categories(record_type, payload, load_sensitive_codes(SMALL)) >= {"hiv"}


def test_every_record_type_that_carries_codes_has_an_entry() -> None:
    """The table covers each record type but patient and consent, which carry no codes."""
    coded = {t.value for t in RecordType} - {"patient", "consent"}
    assert coded <= set(CODE_FIELDS)


def test_a_type_without_an_entry_and_odd_values_give_nothing() -> None:
    """Unknown types, missing or malformed code fields give no category (and no error)."""
    hiv = {"code": _coded("LOINC", "75622-1")}
    assert code_categories("patient", hiv) == frozenset()
    assert code_categories("result", {"code": None}) == frozenset()
    assert code_categories("result", {"code": {"system": "LOINC"}}) == frozenset()
    assert code_categories("allergy", {"code": "75622-1", "reactions": ["x", 3]}) == frozenset()


def test_labels_of_joins_declared_labels_and_code_categories() -> None:
    """The item's own labels plus those its codes give, sorted and once each."""
    payload = {"code": _coded("LOINC", "75622-1")}
    assert labels_of("result", payload, ("R",)) == ("R", "hiv")
    assert labels_of("result", payload, ("hiv",)) == ("hiv",)
    assert labels_of("result", {"code": _coded("LOINC", "718-7")}, ["R"]) == ("R",)


@pytest.mark.parametrize(
    ("labels", "sensitive"),
    [((), False), (("R",), False), (("N", "mental-health"), False), (("V",), True),
     (("R", "fertility-treatment"), True), (("gender-identity",), True)],
)  # fmt: skip
def test_is_sensitive(labels: tuple[str, ...], sensitive: bool) -> None:
    """V and every category keep an item back; R, N and other labels do not."""
    assert is_sensitive(labels) is sensitive


def test_every_category_is_a_sensitive_label_and_the_shipped_file_uses_them() -> None:
    """The code lists' categories are all labels that keep an item back."""
    shipped = sensitive_codes()
    used = {c for cats in (*shipped.exact.values(), *shipped.prefixes.values()) for c in cats}
    assert used <= CATEGORIES <= SENSITIVE_LABELS
    assert {"hiv", "sexual-health", "termination-of-pregnancy", "gender-identity",
            "fertility-treatment"} <= used  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version = 0", "version: expected a positive integer"),
        ('version = 1\n[systems]\n"u" = "SNOMED"', "categories: expected a table"),
        ('version = 1\n[systems]\n"u" = "OTHER"\n[categories.hiv]\n"u" = ["1"]',
         "systems: u: expected one of"),
        ('version = 1\n[systems]\n"u" = "SNOMED"\n[categories.cardiology]\n"u" = ["1"]',
         "categories.cardiology: not a sensitive category"),
        ('version = 1\n[systems]\n"u" = "SNOMED"\n[categories.hiv]\n"v" = ["1"]',
         "categories.hiv: a system URI is unknown"),
        ('version = 1\n[systems]\n"u" = "SNOMED"\n[categories.hiv]\n"u" = [1]',
         r"categories.hiv.SNOMED: expected a list of code strings"),
        ("version = ", "not a TOML document"),
    ],
)  # fmt: skip
def test_malformed_lists_are_refused_naming_the_entry(text: str, message: str) -> None:
    """Errors name the entry and the rule, never a code."""
    with pytest.raises(SensitiveCodesError, match=message):
        load_sensitive_codes(text)
