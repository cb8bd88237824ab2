"""A real `mcr streams worker` process on fresh topics and a fresh MPI schema: a small synthetic
region in, every event out on mcr.linked keyed by the right person, identity changes, the DLQ,
and a clean shutdown that committed everything it read."""

from __future__ import annotations

import itertools
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from deploy.local import StackSettings
from producers.sdk import Publisher, PublisherConfig
from producers.simulator.generator import PersonRecords, generate_person
from producers.simulator.people import make_person
from schemas.codec import decode, decode_record, encode
from schemas.events import (
    DLQ_OFFSET,
    DLQ_REASON,
    DLQ_STAGE,
    DLQ_TOPIC_HEADER,
    PERSON_ID_HEADER,
    PersonId,
    RecordType,
    SourceEvent,
)
from streams.identity.decision import LinkDecision
from streams.identity.demographics import from_payload
from streams.identity.matcher import CandidatePerson, match
from streams.identity.offline.sandbox import (
    SANDBOX_ORGANISATIONS,
    Sandbox,
    TopicReader,
    running_worker,
)
from streams.identity.weights import load
from tests.integration.conftest import stack_sandbox

SEED = 11
PEOPLE = 24
JUNK_KEY = b"RD8:JUNK-1"
NO_NHS_KEY = "SC901:NONHS-1"


def _without_nhs_number(event: SourceEvent) -> SourceEvent:
    """A social-care copy of a patient event: no NHS number, two letters of the given name
    transposed (Lucy keyed as Lcuy)."""
    header = {
        **event.payload["header"],
        "org": "SC901",
        "local_patient_id": "NONHS-1",
        "source_record_id": "NONHS-1",
        "event_id": str(uuid.uuid5(uuid.NAMESPACE_URL, NO_NHS_KEY)),
        "nhs_number": None,
        "nhs_number_status": "ABSENT",
    }
    first, *rest = event.payload["given_names"]
    typo = first[0] + first[2] + first[1] + first[3:]
    return SourceEvent(
        event.record_type, {**event.payload, "header": header, "given_names": [typo, *rest]}
    )


def _twin_pair(seed: int) -> tuple[int, int]:
    """The first twin pair of the region (twins are index pairs 2k, 2k+1)."""
    for k in itertools.count():
        if make_person(seed, 2 * k).twin is not None:
            return 2 * k, 2 * k + 1
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Region:
    """The published events and which true person each source key belongs to."""

    events: list[SourceEvent]
    values: list[bytes]
    truth: dict[str, str]
    twins: tuple[str, str]


@pytest.fixture(scope="module")
def region() -> Region:
    """The first people of a seeded region plus its first twin pair."""
    twins = _twin_pair(SEED)
    people: list[PersonRecords] = [
        generate_person(SEED, i) for i in sorted({*range(PEOPLE), *twins})
    ]
    truth = {row.record_id: row.truth_id for p in people for row in p.truth}
    twin_ids = tuple(make_person(SEED, i).truth_id for i in twins)
    events = [e for p in people for e in p.events]
    first = next(e for e in events if e.record_type is RecordType.PATIENT)
    events.append(_without_nhs_number(first))
    truth[NO_NHS_KEY] = truth[str(first.key)]
    return Region(events, [encode(e) for e in events], truth, (twin_ids[0], twin_ids[1]))


@dataclass
class Run:
    """What a finished worker run left behind."""

    box: Sandbox
    linked: list[Any]
    changes: list[Any]
    dlq: list[Any]
    held: list[bytes]
    exit_code: int | None
    log: str
    committed: dict[tuple[str, int], int]
    ends: dict[tuple[str, int], int]


def _publish(box: Sandbox, events: list[SourceEvent]) -> None:
    from confluent_kafka import Producer

    config = PublisherConfig(kafka=box.kafka, topic_prefix=box.settings.topic_prefix)
    with Publisher(config) as publisher:
        publisher.publish_all(events)
    producer = Producer(box.kafka.config())
    producer.produce(box.source_topics[1], key=JUNK_KEY, value=b"\xc3\x01junk")
    assert producer.flush(30) == 0


def _held(box: Sandbox) -> list[bytes]:
    with psycopg.connect(
        box.settings.postgres_dsn.get_secret_value(),
        options=f"-c search_path={box.settings.schema_name}",
    ) as conn:
        rows = conn.execute("SELECT value FROM held_events WHERE forwarded_at IS NULL")
        return [bytes(r[0]) for r in rows]


def _published_changes(box: Sandbox) -> int:
    with psycopg.connect(
        box.settings.postgres_dsn.get_secret_value(),
        options=f"-c search_path={box.settings.schema_name}",
    ) as conn:
        row = conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL")
        return int(row.fetchone()[0])


def _offsets(box: Sandbox) -> tuple[dict[tuple[str, int], int], dict[tuple[str, int], int]]:
    """The worker group's committed offset and the end offset of every source partition."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer(box.kafka.config(**{"group.id": box.app_id}))
    try:
        metadata = consumer.list_topics(timeout=30).topics
        parts = [
            TopicPartition(topic, p)
            for topic in box.source_topics
            for p in metadata[topic].partitions
        ]
        # An empty partition has nothing to commit (-1001, "none"): count it as offset 0.
        committed = {(tp.topic, tp.partition): max(tp.offset, 0)
                     for tp in consumer.committed(parts, 30)}  # fmt: skip
        ends = {(tp.topic, tp.partition): consumer.get_watermark_offsets(tp, 30)[1] for tp in parts}
    finally:
        consumer.close()
    return committed, ends


def _wait(box: Sandbox, readers: dict[str, TopicReader], events: int) -> list[bytes]:
    """Until every event is linked or held, the junk is dead-lettered and every identity
    change the MPI made is published (or 180 s passed)."""
    deadline = time.monotonic() + 180
    held: list[bytes] = []
    while time.monotonic() < deadline:
        for reader in readers.values():
            reader.poll(0.5)
        held = _held(box)
        done = len(readers["linked"].messages) + len(held) >= events
        changes = len(readers["changes"].messages) >= _published_changes(box) > 0
        if done and changes and readers["dlq"].messages:
            break
    return held


@pytest.fixture(scope="module")
def run(region: Region, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """Publish the region, run a worker until it has routed everything, stop it (SIGTERM)."""
    stack = StackSettings.from_env()
    log_path: Path = tmp_path_factory.mktemp("worker") / "worker.log"
    organisations = (*SANDBOX_ORGANISATIONS, "SC901")  # SC901: registered live, as a test org
    with stack_sandbox(stack, organisations=organisations) as box:
        _publish(box, region.events)
        readers = {
            "linked": TopicReader(stack.kafka_admin, box.settings.linked_topic),
            "changes": TopicReader(stack.kafka_admin, box.settings.changes_topic),
            "dlq": TopicReader(stack.kafka_admin, box.settings.dlq_topic),
        }
        try:
            with log_path.open("wb") as log, running_worker(box, log=log) as worker:
                held = _wait(box, readers, len(region.events))
            committed, ends = _offsets(box)
            yield Run(
                box,
                readers["linked"].messages,
                readers["changes"].messages,
                readers["dlq"].messages,
                held,
                worker.returncode,
                log_path.read_text(errors="replace"),
                committed,
                ends,
            )
        finally:
            for reader in readers.values():
                reader.close()


def _source_key(value: bytes) -> str:
    header = decode(value).payload["header"]
    return f"{header['org']}:{header['local_patient_id']}"


def test_every_event_is_linked_or_held_exactly_as_published(region: Region, run: Run) -> None:
    """mcr.linked plus the MPI's held events are exactly the published events, bytes unchanged."""
    out = Counter(m.value for m in run.linked) + Counter(run.held)
    assert out == Counter(region.values)
    assert len(run.held) < len(region.events) // 10


def test_linked_events_are_keyed_by_their_records_person(run: Run) -> None:
    """Each linked message's key is its person header, and a source key has one person."""
    persons: dict[str, set[bytes]] = defaultdict(set)
    for message in run.linked:
        assert message.key == message.headers[PERSON_ID_HEADER]
        persons[_source_key(message.value)].add(message.key)
    assert persons and all(len(p) == 1 for p in persons.values())


def test_persons_match_the_ground_truth(region: Region, run: Run) -> None:
    """No person holds two true people (twins differ); almost every true pair is linked."""
    person_of = {_source_key(m.value): m.key for m in run.linked}
    truths_of: dict[bytes, set[str]] = defaultdict(set)
    for key, person in person_of.items():
        truths_of[person].add(region.truth[key])
    assert all(len(truths) == 1 for truths in truths_of.values())
    twin_persons = [
        {p for k, p in person_of.items() if region.truth[k] == twin} for twin in region.twins
    ]
    assert all(twin_persons) and not twin_persons[0] & twin_persons[1]
    by_truth: dict[str, list[bytes]] = defaultdict(list)
    for key, person in person_of.items():
        by_truth[region.truth[key]].append(person)
    true_pairs = sum(len(p) * (len(p) - 1) // 2 for p in by_truth.values())
    linked_pairs = sum(
        sum(n * (n - 1) // 2 for n in Counter(p).values()) for p in by_truth.values()
    )
    assert true_pairs > 10 and linked_pairs / true_pairs >= 0.9


def test_a_duplicate_without_nhs_number_links_as_the_offline_matcher_says(
    region: Region, run: Run
) -> None:
    """A social-care record of a person with no NHS number and a misspelt given name: the live
    worker decides as the offline matcher (link-eval's) does with the shipped weights."""
    copy = next(e for e in region.events if str(e.key) == NO_NHS_KEY)
    truth = region.truth[NO_NHS_KEY]
    originals = [
        from_payload(e.record_type, e.payload)
        for e in region.events
        if e.record_type is RecordType.PATIENT
        and region.truth.get(str(e.key)) == truth
        and str(e.key) != NO_NHS_KEY
    ]
    offline = match(
        from_payload(copy.record_type, copy.payload),
        [CandidatePerson(PersonId("p"), tuple(originals))],
        load(),
    )
    assert offline.decision is LinkDecision.AUTO_LINK
    person_of = {_source_key(m.value): m.key for m in run.linked}
    others = {p for k, p in person_of.items() if region.truth[k] == truth and k != NO_NHS_KEY}
    assert others and person_of[NO_NHS_KEY] in others


def test_identity_changes_cover_every_linked_record(run: Run) -> None:
    """mcr.identity.changes announces a NEW_PERSON or LINK for every record seen on mcr.linked."""
    changes = [decode_record(m.value).payload for m in run.changes]
    announced = {key for c in changes for key in c["source_keys"]}
    assert {c["kind"] for c in changes} <= {"NEW_PERSON", "LINK", "MERGE"}
    assert "NEW_PERSON" in {c["kind"] for c in changes}
    assert {_source_key(m.value) for m in run.linked} <= announced
    assert all(m.key == c["person_id"].encode() for m, c in zip(run.changes, changes, strict=True))


def test_a_corrupt_message_is_dead_lettered_with_its_reason(run: Run) -> None:
    """The junk message is on mcr.dlq, bytes unchanged, with reason, stage and position."""
    (dead,) = run.dlq
    assert (dead.key, dead.value) == (JUNK_KEY, b"\xc3\x01junk")
    assert dead.headers[DLQ_REASON].startswith(b"CorruptEventError")
    assert dead.headers[DLQ_STAGE] == b"identity"
    assert dead.headers[DLQ_TOPIC_HEADER] == run.box.source_topics[1].encode()
    assert dead.headers[DLQ_OFFSET].isdigit()


def test_the_worker_shuts_down_cleanly_having_committed_everything(run: Run) -> None:
    """SIGTERM ends the worker with exit code 0, no traceback, and every offset committed."""
    assert run.exit_code == 0, run.log[-2000:]
    assert "Traceback" not in run.log
    assert run.ends and run.committed == run.ends
