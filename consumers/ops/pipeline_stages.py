"""The running pipeline's stages as its operators watch them: each stage's consumer group and
which topics are its input. ``mcr status`` and ``mcr demo up|status`` both read this one table.

The streams stages run as two processes (``mcr streams worker --stage identity`` and
``--stage linked``: ``make run``, compose and the Kubernetes Deployments), so identity is the
group ``<app id>`` and consent with de-identification is ``<app id>-linked``
(:func:`streams.stages.group_of`). Consent and de-identification share that group and its
topics, so they make one row, ``consent``. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from projections.planning.settings import PlanningStoreSettings
from projections.record.settings import RecordSettings
from schemas.events import IDENTITY_CHANGES_TOPIC, LINKED_TOPIC, SOURCE_TOPIC_PREFIX
from streams.settings import WorkerSettings
from streams.stages import group_of

__all__ = ["StageSpec", "pipeline_stages"]


@dataclass(frozen=True)
class StageSpec:
    """A stage: its consumer group and which of the group's topics are its input."""

    name: str
    group: str
    takes: Callable[[str], bool]


def pipeline_stages(
    workers: WorkerSettings, record: RecordSettings, planning: PlanningStoreSettings
) -> list[StageSpec]:
    """Identity, consent (with de-identification), record and planning, in pipeline order."""
    prefix = workers.identity.topic_prefix
    app_id = workers.streams.app_id
    linked = {prefix + LINKED_TOPIC, prefix + IDENTITY_CHANGES_TOPIC}
    record_topics = {record.source_topic, record.identity_topic}
    return [
        StageSpec("identity", group_of(app_id, "identity"),
                  lambda t: t.startswith(prefix + SOURCE_TOPIC_PREFIX)),
        StageSpec("consent", group_of(app_id, "linked"), lambda t: t in linked),
        StageSpec("record", record.group_id, lambda t: t in record_topics),
        StageSpec("planning", planning.group_id, lambda t: t == planning.planning_topic),
    ]  # fmt: skip
