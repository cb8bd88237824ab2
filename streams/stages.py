"""Which stages one streams worker process runs, and the consumer group each one joins.

``mcr streams worker`` runs every stage in one process by default (``all``: identity, consent
and de-identification share one faust application, one consumer group and one event loop).
``--stage identity|consent|deid`` runs one stage alone, and ``--stage linked`` the two stages
that read ``mcr.linked`` (consent and de-identification) together, each as its own faust
application and consumer group, so the stages run on separate cores and one stage's backlog
cannot starve another (they no longer share an event loop). Run either ``identity`` +
``linked`` (two processes: one read of ``mcr.linked`` feeds both of its stages) or
``identity`` + ``consent`` + ``deid``. Groups, for an application id ``A``
(``MCR_STREAMS_APP_ID``):

=========  ==================================  =================================
stage      consumer group (faust app id)       topics it reads
=========  ==================================  =================================
all        ``A``                               every one below
identity   ``A``                               source topics
linked     ``A-linked``                        ``mcr.linked``, identity changes
consent    ``A-consent``                       ``mcr.linked``, identity changes
deid       ``A-deid``                          ``mcr.linked``, identity changes
=========  ==================================  =================================

Identity keeps ``A``, so a deployment moving from ``all`` to split stages keeps identity's
committed source offsets; the consent and de-identification groups start from the oldest
retained ``mcr.linked`` message the first time (every stage is idempotent under repeats).
The Kafka ACLs grant the streams principal every group and internal topic prefixed ``A``.
Pure: no I/O.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

__all__ = ["ALL", "STAGES", "Stage", "agent_modules", "group_of", "stages_of"]

Stage = Literal["all", "identity", "linked", "consent", "deid"]
ALL: Final = "all"
STAGES: Final[tuple[Stage, ...]] = get_args(Stage)
_MODULES: Final = {
    "identity": "streams.identity.agents",
    "consent": "streams.consent.agents",
    "deid": "streams.deid.agents",
}


_GROUPS: Final[dict[str, tuple[str, ...]]] = {
    ALL: tuple(_MODULES),
    "linked": ("consent", "deid"),
}


def stages_of(stage: Stage) -> tuple[str, ...]:
    """The stages a worker started with ``stage`` runs, in pipeline order."""
    return _GROUPS.get(stage, (stage,))


def agent_modules(stage: Stage) -> list[str]:
    """The agent modules faust imports for ``stage`` (nothing else is declared)."""
    return [_MODULES[name] for name in stages_of(stage)]


def group_of(app_id: str, stage: Stage) -> str:
    """The faust application id (and consumer group) of a worker running ``stage``."""
    return app_id if stage in (ALL, "identity") else f"{app_id}-{stage}"
