"""What every stream stage's settings share: the topic prefix, and the topics
both stages name (``mcr.linked``, ``mcr.identity.changes``, ``mcr.dlq``, after the prefix).

``MCR_TOPIC_PREFIX`` is the producer SDK's variable too, so one value points producers and the
stages at the same (for example per-test) topics: ``t1.`` gives ``t1.mcr.linked``.
"""

from __future__ import annotations

from mcr.core.settings import McrSettings, TopicPrefix
from schemas.events import DLQ_TOPIC, IDENTITY_CHANGES_TOPIC, LINKED_TOPIC

__all__ = ["StageSettings"]


class StageSettings(McrSettings):
    """Base of the identity and consent settings (each has its own database role)."""

    topic_prefix: TopicPrefix = ""

    @property
    def linked_topic(self) -> str:
        """Identified events, keyed by person: identity writes, consent reads."""
        return self.topic_prefix + LINKED_TOPIC

    @property
    def changes_topic(self) -> str:
        """Identity changes (link, merge, unmerge): identity writes, consent follows."""
        return self.topic_prefix + IDENTITY_CHANGES_TOPIC

    @property
    def dlq_topic(self) -> str:
        """Where a stage's undecodable or unresolvable events go."""
        return self.topic_prefix + DLQ_TOPIC
