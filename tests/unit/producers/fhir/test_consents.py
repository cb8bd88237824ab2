"""Consent -> consent event: scope, decision, withheld items and end date."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from .builders import SNOMED, bundle, consent, lab_observation, run

_ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"


def one(resource: dict[str, Any]) -> dict[str, Any]:
    result = run(resource)
    assert result.rejections == []
    assert len(result.events) == 1
    return result.events[0].payload


def summary(payload: dict[str, Any]) -> tuple[str, str, list[str]]:
    return payload["scope"], payload["decision"], payload["withheld_record_ids"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Consent-consent-example-basic.json", ("SHARED_CARE_RECORD", "PERMIT", [])),
        ("Consent-consent-example-Out.json", ("SHARED_CARE_RECORD", "DENY", [])),
        ("Consent-consent-example-Emergency.json", ("SHARED_CARE_RECORD", "DENY", [])),
        ("Consent-consent-example-notOrg.json", ("SHARED_CARE_RECORD", "DENY", [])),
        ("Consent-consent-example-notThis.json", ("ITEM_WITHHELD", "DENY", ["Task/example3"])),
        ("Consent-consent-example-pkb.json", ("SHARED_CARE_RECORD", "DENY", [])),
        ("Consent-consent-example-signature.json", ("SHARED_CARE_RECORD", "PERMIT", [])),
        ("Consent-consent-example-smartonfhir.json", ("SHARED_CARE_RECORD", "PERMIT", [])),
    ],
)
def test_r4_examples(fixtures_dir: Path, name: str, expected: tuple[str, str, list[str]]) -> None:
    """The HL7 R4 Consent examples map to the documented scope and decision."""
    resource = json.loads((fixtures_dir / "fhir" / "r4-core" / name).read_text())
    assert summary(one(resource)) == expected


def test_period_end_is_effective_to() -> None:
    """The top provision's period end is when the consent stops."""
    resource = consent(
        provision={"type": "permit", "period": {"start": "2015-01-01", "end": "2015-02-01"}}
    )
    assert one(resource)["effective_to"] == datetime(2015, 2, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("coding", "decision"),
    [
        ({"system": SNOMED, "code": "827241000000103"}, "DENY"),
        ({"system": "http://read.info/readv2", "code": "9Nu0"}, "DENY"),
        ({"system": SNOMED, "code": "827261000000102"}, "PERMIT"),
        ({"system": "http://read.info/readv2", "code": "9Nu1"}, "PERMIT"),
    ],
)
def test_type_1_opt_out_codes(coding: dict[str, str], decision: str) -> None:
    """GP dissent codes are Type 1 opt-outs (or their withdrawal), whatever provision.type says."""
    resource = consent(category=[{"coding": [coding]}], provision={"type": "permit"})
    assert summary(one(resource)) == ("TYPE_1_OPT_OUT", decision, [])


@pytest.mark.parametrize("purpose", ["HRESCH", "HOPERAT"])
def test_national_data_opt_out_by_purpose(purpose: str) -> None:
    """A deny for research or planning purposes is a National Data Opt-out."""
    resource = consent(
        provision={"type": "deny", "purpose": [{"system": _REASON, "code": purpose}]}
    )
    assert summary(one(resource)) == ("NATIONAL_DATA_OPT_OUT", "DENY", [])


def test_nested_deny_makes_the_whole_decision_deny() -> None:
    """A deny we cannot scope (to an actor) errs on the side of not sharing."""
    resource = consent(
        provision={
            "type": "permit",
            "provision": [
                {"type": "deny", "actor": [{"reference": {"reference": "Organization/o1"}}]}
            ],
        }
    )
    assert summary(one(resource)) == ("SHARED_CARE_RECORD", "DENY", [])


def test_withheld_items_resolve_to_record_ids_in_the_bundle() -> None:
    """Data named by a deny provision becomes Type/id record ids, urn:uuid resolved."""
    observation = lab_observation(id="obs-9")
    withholding = consent(
        provision={
            "type": "permit",
            "provision": [
                {
                    "type": "deny",
                    "data": [
                        {
                            "meaning": "instance",
                            "reference": {
                                "reference": "urn:uuid:00000000-0000-4000-8000-000000000000"
                            },
                        },
                        {
                            "meaning": "instance",
                            "reference": {"reference": "MedicationRequest/mr-5"},
                        },
                    ],
                },
                {
                    "type": "permit",
                    "data": [{"meaning": "instance", "reference": {"reference": "Encounter/e1"}}],
                },
            ],
        }
    )
    result = run(bundle(observation, withholding))
    consent_event = next(e for e in result.events if e.record_type == "consent")
    assert summary(consent_event.payload) == (
        "ITEM_WITHHELD",
        "DENY",
        ["MedicationRequest/mr-5", "Observation/obs-9"],
    )


@pytest.mark.parametrize(
    ("policy", "decision"),
    [("OPTIN", "PERMIT"), ("OPTINR", "PERMIT"), ("OPTOUT", "DENY"), ("OPTOUTE", "DENY")],
)
def test_policy_rule_decides_when_provision_type_is_absent(policy: str, decision: str) -> None:
    """Without provision.type, the policyRule opt-in/opt-out decides."""
    resource = consent(policyRule={"coding": [{"system": _ACT, "code": policy}]}, provision={})
    assert one(resource)["decision"] == decision


def test_information_access_category_is_a_permit() -> None:
    """An INFA consent without type or policy is consent to access (UK Core example)."""
    resource = consent(category=[{"coding": [{"system": _ACT, "code": "INFA"}]}], provision={})
    assert summary(one(resource)) == ("SHARED_CARE_RECORD", "PERMIT", [])


def test_no_decision_rejects() -> None:
    """A privacy consent that says neither permit nor deny is rejected, never guessed."""
    result = run(consent(provision={}))
    assert [r.reason for r in result.rejections] == [
        "Consent.provision.type: no decision (no provision.type or policyRule)"
    ]


@pytest.mark.parametrize(
    ("change", "skipped"),
    [
        ({"status": "draft"}, "Consent(draft)"),
        ({"status": "proposed"}, "Consent(proposed)"),
        ({"status": "rejected"}, "Consent(rejected)"),
        (
            {
                "scope": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                            "code": "treatment",
                        }
                    ]
                }
            },
            "Consent(treatment)",
        ),
    ],
)
def test_consents_not_about_sharing_or_not_in_force_are_skipped(
    change: dict[str, Any], skipped: str
) -> None:
    """Drafts, proposals and treatment consents are counted, not mapped."""
    result = run(consent(**change))
    assert (result.events, result.skipped) == ([], {skipped: 1})


def test_inactive_consent_ends_when_recorded() -> None:
    """An inactive consent without a period end stops at its recorded time."""
    payload = one(consent(status="inactive"))
    assert payload["effective_to"] == datetime(2024, 2, 1, 8, tzinfo=UTC)
