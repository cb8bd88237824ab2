"""Which agents and which consumer group each ``mcr streams worker --stage`` runs."""

from __future__ import annotations

import pytest

from streams.stages import ALL, STAGES, agent_modules, group_of, stages_of


def test_all_runs_every_stage_in_pipeline_order() -> None:
    assert stages_of(ALL) == ("identity", "consent", "deid")
    assert agent_modules(ALL) == [
        "streams.identity.agents",
        "streams.consent.agents",
        "streams.deid.agents",
    ]


@pytest.mark.parametrize("stage", ["identity", "consent", "deid"])
def test_one_stage_runs_only_its_own_agents(stage: str) -> None:
    assert agent_modules(stage) == [f"streams.{stage}.agents"]  # type: ignore[arg-type]


def test_identity_keeps_the_application_id_and_the_others_get_their_own_groups() -> None:
    """Identity's committed source offsets survive a move from one process to split stages;
    consent and de-identification never share a group with identity or each other."""
    assert group_of("mcr-streams", ALL) == "mcr-streams"
    assert group_of("mcr-streams", "identity") == "mcr-streams"
    groups = {group_of("mcr-streams", s) for s in ("identity", "consent", "deid")}
    assert groups == {"mcr-streams", "mcr-streams-consent", "mcr-streams-deid"}


def test_every_group_is_under_the_application_id_prefix() -> None:
    """The Kafka ACLs grant the streams principal groups prefixed with the application id."""
    assert all(group_of("a1", s).startswith("a1") for s in STAGES)
