"""The benchmark's synthetic events and what each should become in the record. Pure.

Events come from the region simulator in its own order (person by person). The throughput
phase takes people from index 0, the latency phase continues with the next people, so its
items are new to the record (and to the MPI). Document ids come from the projection's own
id function, so a sample is looked up exactly where the projection writes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from producers.simulator import first_events
from projections.record.documents import ITEM_TYPES
from projections.record.ids import item_id
from schemas.events import RecordType, SourceEvent

__all__ = [
    "PROJECTED_TYPES",
    "Slice",
    "document_id",
    "expected_versions",
    "organisations_of",
    "region_events",
    "sample_indices",
]

#: Record types the projection writes a document for (consent is not projected).
PROJECTED_TYPES: frozenset[RecordType] = frozenset({*ITEM_TYPES, RecordType.PATIENT})


@dataclass(frozen=True)
class Slice:
    """``events`` of people ``first_person`` up to (not including) ``next_person``."""

    events: tuple[SourceEvent, ...]
    first_person: int
    next_person: int


def region_events(count: int, *, seed: int, first_person: int = 0) -> Slice:
    """The first ``count`` events of people ``first_person``, ``first_person + 1``, ...
    (the last person's events are cut at ``count``)."""
    taken, next_person = first_events(count, seed=seed, start=first_person)
    return Slice(tuple(taken), first_person, next_person)


def organisations_of(events: Iterable[SourceEvent]) -> list[str]:
    """The organisations that sent ``events`` (sorted): each gets a source topic."""
    return sorted({str(event.payload["header"]["org"]) for event in events})


def document_id(event: SourceEvent) -> str | None:
    """The id of the document the projection writes for ``event`` (None: not projected)."""
    if event.record_type not in PROJECTED_TYPES:
        return None
    header = event.payload["header"]
    return item_id(
        record_type=event.record_type.value,
        org=header["org"],
        source_record_id=header["source_record_id"],
    )


def expected_versions(events: Iterable[SourceEvent]) -> dict[str, int]:
    """Document id -> the highest ``record_version`` among ``events`` that write it."""
    versions: dict[str, int] = {}
    for event in events:
        doc_id = document_id(event)
        if doc_id is not None:
            version = int(event.payload["header"]["record_version"])
            versions[doc_id] = max(version, versions.get(doc_id, version))
    return versions


def sample_indices(events: Sequence[SourceEvent], *, every: int) -> Iterator[int]:
    """Indices of every ``every``-th clinical item event (result, medication, encounter)."""
    if every < 1:
        raise ValueError("every: expected 1 or more")
    seen = 0
    for index, event in enumerate(events):
        if event.record_type in ITEM_TYPES:
            if seen % every == 0:
                yield index
            seen += 1
