"""The backfill's ledger: every event under exactly one outcome, counted one by one."""

from __future__ import annotations

from consumers.ops.bench.backfill_ledger import Forwarding, Ledger, in_sample, removed_by_purges
from consumers.ops.bench.events import document_id, region_events
from consumers.ops.bench.id_set import IdSet
from consumers.ops.bench.outcomes import DeadLetters, LogMessage, PurgeSeen
from schemas import codec
from schemas.events import PERSON_ID_HEADER, RecordType, SourceEvent

EVENTS = region_events(120, seed=7).events
ITEMS = [e for e in EVENTS if e.record_type in (RecordType.RESULT, RecordType.ENCOUNTER)]
HELD, DEAD, SHARED, PURGED, KEPT, LOST = ITEMS[:6]


def _id(event: SourceEvent) -> str:
    return str(event.payload["header"]["event_id"])


def _where(index: int) -> tuple[str, int, int]:
    return ("bench.t.mcr.source.x", 0, index)


def _ledger(every: int = 1) -> Ledger:
    shared = [SHARED, PURGED, *ITEMS[6:]]
    forwarding = Forwarding(
        linked=IdSet.of(_id(e) for e in [*shared, KEPT]),
        shared=IdSet.of(_id(e) for e in shared),
        purged=frozenset({_id(PURGED)}),
        dead=DeadLetters(event_ids=frozenset({_id(DEAD)})),
        held={_where(0): "review"},
    )
    return Ledger(forwarding, sample_every=every)


def test_each_event_gets_the_first_outcome_that_applies() -> None:
    ledger = _ledger()
    outcomes = [ledger.add(event, _where(i)) for i, event in enumerate(ITEMS)]
    assert outcomes[:6] == ["held", "dead-letter", "searchable", "purged", "kept-back",
                            "unaccounted"]  # fmt: skip
    ledger.close(published=len(ITEMS), delivered=len(ITEMS))
    counts = ledger.by_outcome()
    assert sum(counts.values()) == len(ITEMS)
    assert counts["searchable"] == len(ITEMS) - 5
    assert ledger.unaccounted == {"not-linked": 1}
    assert ledger.kept_back_reasons() == {"objection": 1}


def test_undelivered_and_unread_events_are_unaccounted_never_dropped() -> None:
    """Two events failed delivery; one delivered event was not found when read back."""
    ledger = _ledger()
    for i, event in enumerate(ITEMS[6:10]):
        ledger.add(event, _where(100 + i))
    ledger.close(published=7, delivered=5)
    assert sum(ledger.by_outcome().values()) == 7
    assert ledger.unaccounted == {"not-delivered": 2, "not-read-back": 1}


def test_documents_searchable_and_removed_are_noted_for_the_checks() -> None:
    """Every document is sampled at one in one: searchable ones at their highest version,
    those only kept back or purged as leak candidates."""
    ledger = _ledger()
    for i, event in enumerate(ITEMS):
        ledger.add(event, _where(i))
    doc = document_id(SHARED)
    assert doc is not None and ledger.expected[doc] == SHARED.payload["header"]["record_version"]
    assert set(ledger.leak_candidates()) == {document_id(PURGED), document_id(KEPT)}


def test_the_document_sample_is_stable_and_a_fraction() -> None:
    ids = [f"doc-{n}" for n in range(4000)]
    picked = [d for d in ids if in_sample(d, 10)]
    assert picked == [d for d in ids if in_sample(d, 10)]
    assert 250 < len(picked) < 550
    assert all(in_sample(d, 1) for d in ids[:10])


def _message(event: SourceEvent, person: str, offset: int) -> LogMessage:
    headers = ((PERSON_ID_HEADER, person.encode()),)
    return LogMessage(person.encode(), codec.encode(event), headers, 0, offset)


def test_a_purge_removes_what_was_shared_before_it_in_its_scope() -> None:
    """A person purge at offset 5 removes the person's event at offset 1, not the one shared
    after it (offset 9) nor another person's."""
    purge = PurgeSeen("p-1", frozenset(), 0, 5)
    messages = [_message(SHARED, "p-1", 1), _message(KEPT, "p-2", 2), _message(LOST, "p-1", 9)]
    assert removed_by_purges(messages, [purge]) == {_id(SHARED)}
    assert removed_by_purges(messages, []) == frozenset()


def test_an_event_shared_again_after_its_purge_is_judged_by_its_last_copy() -> None:
    """Shared at 1, purged at 5, shared again at 9 (objection withdrawn): searchable."""
    purge = PurgeSeen("p-1", frozenset(), 0, 5)
    messages = [_message(SHARED, "p-1", 1), _message(SHARED, "p-1", 9)]
    assert removed_by_purges(messages, [purge]) == frozenset()
    assert removed_by_purges(messages[:1], [purge]) == {_id(SHARED)}
