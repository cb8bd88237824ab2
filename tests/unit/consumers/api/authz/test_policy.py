"""The access policy: the shipped defaults, matching on the job role, deny by default, and a
file that breaks a rule failing at start with the entry named (never the value)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from consumers.api.authz.errors import PolicyError
from consumers.api.authz.policy import Category, job_role, load_policy, parse_policy
from consumers.api.authz.settings import AuthzSettings

D, R, M, E, A, P = (Category.DEMOGRAPHICS, Category.RESULTS, Category.MEDICATIONS,
                    Category.ENCOUNTERS, Category.AUDIT, Category.PROBLEMS)  # fmt: skip
CLINICAL = {
    D,
    R,
    M,
    E,
    P,
    Category.ALLERGIES,
    Category.IMMUNISATIONS,
    Category.PROCEDURES,
    Category.DOCUMENTS,
}


@pytest.mark.parametrize(
    ("role_code", "expected"),
    [
        ("S8000:G8000:R8000", CLINICAL),  # clinical practitioner
        ("S8000:G8000:R8001", CLINICAL),  # nurse
        ("S8000:G8000:R8003", CLINICAL),  # health professional / pharmacist
        ("S0080:G0240:R0243", {D, E}),  # social care worker
        ("S8001:G8001:R8009", {D, E}),  # receptionist
        ("S8002:G8003:R0001", {A}),  # privacy officer: the audit, not the record
        ("R8000", CLINICAL),  # a bare job-role code
        ("S9999:G9999:R8000", CLINICAL),  # matched on the job role only
        ("S8000:G8000:R9999", set()),  # unknown job role: nothing
        ("S8000:G8000", set()),  # no job role: nothing
        ("", set()),
        ("R8000:S8000", set()),  # the job role must be last
        ("S8000:G8000:r8000", set()),  # exact code, no case folding
    ],
)
def test_the_shipped_policy_maps_job_roles_and_denies_the_rest(
    role_code: str, expected: set[Category]
) -> None:
    assert load_policy().categories_for(role_code) == expected


def test_record_categories_never_include_the_audit_and_only_ig_may_audit() -> None:
    policy = load_policy()
    assert policy.record_categories_for("S8002:G8003:R0001") == set()
    assert policy.may_audit("S8002:G8003:R0001")
    assert not policy.may_audit("S8000:G8000:R8000")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("S8000:G8000:R8000", "R8000"), (" R0001 ", "R0001"), ("R800", ""), ("R80000", ""),
     ("S8000:G8000:X8000", ""), ("", "")],
)  # fmt: skip
def test_job_role_is_the_last_rnnnn_part(raw: str, expected: str) -> None:
    assert job_role(raw) == expected


def _roles(**roles: object) -> dict[str, object]:
    return {"about": "test", "roles": roles}


SECRET = "Sensitive-Value-42"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], r"\(top level\): expected an object"),
        ({"roles": {}, SECRET: 1}, r"\(top level\): unknown key"),
        ({"about": "x"}, "roles: expected an object"),
        (_roles(**{SECRET: {"name": "n", "categories": []}}), "roles: a key is not a job-role"),
        (_roles(R8000=[SECRET]), "roles.R8000: expected an object"),
        (_roles(R8000={"categories": []}), r"roles.R8000.name: expected a non-empty string"),
        (_roles(R8000={"name": " ", "categories": []}), "roles.R8000.name"),
        (_roles(R8000={"name": "n", "categories": ["results", SECRET]}),
         r"roles.R8000.categories\[1\]: not a category"),
        (_roles(R8000={"name": "n", "categories": SECRET}),
         "roles.R8000.categories: expected an array"),
        (_roles(R8000={"name": "n", "categories": ["results", "results"]}),
         "roles.R8000.categories: a category is repeated"),
        (_roles(R8000={"name": "n", "categories": [], SECRET: 1}), "roles.R8000: unknown key"),
    ],
)  # fmt: skip
def test_a_broken_policy_names_the_entry_and_never_the_value(
    document: object, message: str
) -> None:
    with pytest.raises(PolicyError, match=message) as caught:
        parse_policy(document)
    assert SECRET not in str(caught.value)


def test_the_path_comes_from_mcr_api_access_policy(tmp_path: Path) -> None:
    """An overriding file replaces the shipped one: a role it omits sees nothing."""
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(_roles(R8009={"name": "receptionist", "categories": ["audit"]})))
    settings = AuthzSettings.from_env({"MCR_API_ACCESS_POLICY": str(path)})
    policy = load_policy(settings.access_policy)
    assert policy.categories_for("S8001:G8001:R8009") == {A}
    assert policy.categories_for("S8000:G8000:R8000") == set()


def test_an_unreadable_or_non_json_file_fails_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="MCR_API_ACCESS_POLICY: the file cannot be read"):
        load_policy(str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text("{" + SECRET)
    with pytest.raises(PolicyError, match="MCR_API_ACCESS_POLICY: the file is not JSON") as e:
        load_policy(str(bad))
    assert SECRET not in str(e.value)


@pytest.mark.parametrize(
    ("env", "days", "minutes"),
    [({}, 365, 60), ({"MCR_API_RELATIONSHIP_DAYS": "30", "MCR_API_BREAK_GLASS_MINUTES": "15"},
                     30, 15)],
)  # fmt: skip
def test_settings_defaults_and_overrides(env: dict[str, str], days: int, minutes: int) -> None:
    settings = AuthzSettings.from_env(env)
    assert (settings.relationship_window.days, settings.break_glass_duration.seconds) == (
        days, minutes * 60)  # fmt: skip


@pytest.mark.parametrize(
    "env", [{"MCR_API_RELATIONSHIP_DAYS": "0"}, {"MCR_API_BREAK_GLASS_MINUTES": "1441"},
            {"MCR_API_BREAK_GLASS_MINUTES": "٦٠"}],
)  # fmt: skip
def test_settings_refuse_out_of_range_values(env: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="MCR_API_"):
        AuthzSettings.from_env(env)
