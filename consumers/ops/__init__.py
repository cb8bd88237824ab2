"""Operations tools: replay (move a consumer group's offsets) and rebuild (a projection into a
new index version, swapped in by alias). ``cli.app`` is what the ``mcr`` command mounts."""

from consumers.ops.errors import OpsError, RebuildError, ReplayRefusedError
from consumers.ops.offsets import OffsetChange, plan_offsets
from consumers.ops.rebuild import RebuildResult, rebuild_record
from consumers.ops.replay import replay_group

__all__ = [
    "OffsetChange",
    "OpsError",
    "RebuildError",
    "RebuildResult",
    "ReplayRefusedError",
    "plan_offsets",
    "rebuild_record",
    "replay_group",
]
