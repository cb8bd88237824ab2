"""Organisation names beside the ODS codes an answer shows (pure)."""

from __future__ import annotations

from consumers.api.org_names import codes_shown, named

NAMES = {"RC9": "Bedfordshire Hospitals NHS Foundation Trust", "E81001": "Example Surgery"}


def test_every_org_gets_its_name_and_the_answer_a_table() -> None:
    """``org`` gets ``org_name`` at any depth; the table names every code shown, nested
    ``*_org`` fields and the registered practice included; unknown codes are None."""
    body = {
        "demographics": [{"org": "E81001", "registered_gp_practice": "E81001"}],
        "results": {"items": [{"org": "RC9", "result": {"performer_org": "XYZ99"}}]},
    }
    answer = named(body, NAMES)
    assert answer["demographics"][0]["org_name"] == "Example Surgery"
    assert answer["results"]["items"][0]["org_name"] == NAMES["RC9"]
    assert answer["organisations"] == {"E81001": "Example Surgery", "RC9": NAMES["RC9"],
                                       "XYZ99": None}  # fmt: skip
    assert "org_name" not in body["demographics"][0]  # the input is not changed


def test_a_search_names_its_source_without_a_table() -> None:
    """A search entry's ``source_org`` is named; no table when asked not to."""
    answer = named({"persons": [{"source_org": "RC9"}], "count": 1}, NAMES, table=False)
    assert answer == {"persons": [{"source_org": "RC9", "source_org_name": NAMES["RC9"]}],
                      "count": 1}  # fmt: skip


def test_no_registry_means_no_names_not_no_answer() -> None:
    """Without names every code is shown, named None."""
    assert named({"items": [{"org": "RC9"}]}, {}) == {
        "items": [{"org": "RC9", "org_name": None}], "organisations": {"RC9": None}}  # fmt: skip


def test_codes_shown_ignores_other_fields() -> None:
    """Only code fields count: a free text that looks like a code is not a code."""
    assert codes_shown({"dose_text": "RC9", "org": "", "asserter_org": "E81001"}) == {"E81001"}
