"""Which consumer group and input topics ``mcr status`` and ``mcr demo`` watch per stage: the
streams stages run split, identity in ``<app id>`` and consent with de-identification in
``<app id>-linked``."""

from __future__ import annotations

import pytest

from consumers.ops.pipeline_stages import StageSpec, pipeline_stages
from projections.planning.settings import PlanningStoreSettings
from projections.record.settings import RecordSettings
from streams.settings import WorkerSettings

ENV = {
    "MCR_STREAMS_APP_ID": "app",
    "MCR_TOPIC_PREFIX": "t.",
    "MCR_RECORD_GROUP": "rec",
    "MCR_RECORD_SOURCE_TOPIC": "t.mcr.shared",
    "MCR_RECORD_IDENTITY_TOPIC": "t.mcr.identity.changes",
    "MCR_PLANNING_GROUP": "plan",
}
TOPICS = ("t.mcr.source.E81001", "t.mcr.source._asserted", "t.mcr.linked",
          "t.mcr.identity.changes", "t.mcr.shared", "t.mcr.planning", "mcr.source.E81001",
          "mcr.linked", "t.mcr.dlq", "app-consent-changelog")  # fmt: skip


@pytest.fixture
def stages() -> dict[str, StageSpec]:
    found = pipeline_stages(WorkerSettings.from_env(ENV), RecordSettings.from_env(ENV),
                            PlanningStoreSettings.from_env(ENV))  # fmt: skip
    return {s.name: s for s in found}


def test_each_stage_has_its_group_in_pipeline_order(stages: dict[str, StageSpec]) -> None:
    """Identity keeps the app id; consent (with de-identification) is the linked group."""
    assert [(name, s.group) for name, s in stages.items()] == [
        ("identity", "app"), ("consent", "app-linked"), ("record", "rec"), ("planning", "plan")
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("stage", "inputs"),
    [
        ("identity", {"t.mcr.source.E81001", "t.mcr.source._asserted"}),
        ("consent", {"t.mcr.linked", "t.mcr.identity.changes"}),
        ("record", {"t.mcr.shared", "t.mcr.identity.changes"}),
        ("planning", {"t.mcr.planning"}),
    ],
)
def test_each_stage_takes_only_its_prefixed_inputs(
    stages: dict[str, StageSpec], stage: str, inputs: set[str]
) -> None:
    """Another prefix's topics, the dead letters and faust's own topics are nobody's input."""
    assert {t for t in TOPICS if stages[stage].takes(t)} == inputs
