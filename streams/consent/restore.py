"""Bringing a person's shared record back when they withdraw their objection.

The objection purged what had been shared and kept back what came after; the events are still
in ``mcr.linked`` (the log is the system of record). On a withdrawal the consent stage reads
``mcr.linked`` from its beginning to its end *now* (``mcr.core.topic_reader``: no group
joined, nothing committed), keeps the person's events (by the person in the header, or by the
source key the newest identity changes give the person), and judges them again with
:func:`gate.share_batch` as if they had just arrived: what may be shared now goes to
``mcr.shared`` again; what is still withheld or sensitive stays back. The record projection
writes with external versions, so an older version sent again never replaces a newer one.
"""

from __future__ import annotations

from collections.abc import Iterable

from mcr.core.kafka_client import KafkaClientSettings
from mcr.core.topic_reader import LoggedMessage, read_topic
from schemas import codec
from schemas.errors import DecodeError
from schemas.events import PERSON_ID_HEADER, source_key
from streams.consent.gate import InboundMessage

__all__ = ["belongs", "person_history"]


def belongs(message: LoggedMessage, persons: frozenset[str], keys: frozenset[str]) -> bool:
    """True when ``message`` is an event of one of ``persons`` (header) or of their ``keys``."""
    if message.header(PERSON_ID_HEADER) in persons:
        return True
    if not keys or message.value is None:
        return False
    try:
        header = codec.decode(message.value).payload["header"]
        return source_key(header["org"], header["local_patient_id"]) in keys
    except (DecodeError, KeyError, TypeError):
        return False


def person_history(
    kafka: KafkaClientSettings,
    topic: str,
    *,
    persons: Iterable[str],
    keys: Iterable[str],
    group_prefix: str,
) -> list[InboundMessage]:
    """Every event of ``persons`` (or of their source ``keys``) in ``topic`` now, in offset
    order per partition, read as ``kafka``'s principal under a throwaway group starting with
    ``group_prefix`` (the streams worker's application id, which its ACLs cover)."""
    wanted, owned = frozenset(persons), frozenset(keys)
    return [
        InboundMessage(m.key, m.value, list(m.headers), m.topic, m.partition, m.offset)
        for m in read_topic(kafka, topic, group_prefix=group_prefix)
        if belongs(m, wanted, owned)
    ]
