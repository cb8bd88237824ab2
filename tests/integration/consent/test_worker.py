"""A real streams worker (identity then consent) on fresh topics, as one process and as one
process per stage: a person's objection purges what was shared and keeps back what comes after
it; another person's data keeps flowing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from deploy.local import StackSettings
from producers.sdk import Publisher, PublisherConfig
from schemas.codec import decode
from schemas.commands import COMMAND_HEADER, parse_purge
from schemas.events import SHARED_TOPIC, SourceEvent
from streams.identity.offline.sandbox import (
    ReadMessage,
    Sandbox,
    TopicReader,
    running_worker,
)
from streams.stages import Stage
from tests.integration.conftest import stack_sandbox
from tests.unit.projections.builders import patient_event, result_event
from tests.unit.streams.consent.builders import consent_event

TIMEOUT_S = 120


def _alex(item: str) -> SourceEvent:
    return result_event(org="Y01", local_patient_id="A1", source_record_id=item, serial=1)


def _blake(item: str) -> SourceEvent:
    return result_event(org="Y01", local_patient_id="B1", source_record_id=item, serial=2)


def _items(messages: list[ReadMessage]) -> set[str]:
    return {
        decode(m.value).payload["header"]["source_record_id"]
        for m in messages
        if COMMAND_HEADER not in m.headers
    }


def _purges(messages: list[ReadMessage]) -> list[str]:
    return [parse_purge(m.key, m.value).person_id for m in messages if COMMAND_HEADER in m.headers]


class Pipeline:
    """Publishes into the sandbox and waits for mcr.shared to show something."""

    def __init__(self, box: Sandbox, shared: TopicReader, logs: Path) -> None:
        self.box, self.shared, self.logs = box, shared, logs

    def publish(self, *events: SourceEvent) -> None:
        config = PublisherConfig(
            kafka=self.box.kafka,
            topic_prefix=self.box.settings.topic_prefix,
        )
        with Publisher(config) as publisher:
            publisher.publish_all(list(events))

    def wait_for(self, what: str, done: Callable[[list[ReadMessage]], bool]) -> None:
        deadline = time.monotonic() + TIMEOUT_S
        while not done(self.shared.messages):
            assert time.monotonic() < deadline, f"timed out waiting for {what}\n{self.log_tails()}"
            self.shared.poll(0.5)

    def log_tails(self, chars: int = 3000) -> str:
        """The end of each worker's log: a stalled or crashed stage must say why in CI."""
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-chars:]}"
            for log in sorted(self.logs.glob("*.log"))
        )


LAYOUTS: dict[str, list[Stage]] = {
    "one-process": ["all"],
    "identity+linked": ["identity", "linked"],
    "one-per-stage": ["identity", "consent", "deid"],
}


@pytest.fixture(scope="module", params=list(LAYOUTS))
def pipeline(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pipeline]:
    """Running workers on a sandbox (one process, or one per stage or pair of stages, each its
    own consumer group), and a reader of its mcr.shared."""
    stages = LAYOUTS[request.param]
    stack = StackSettings.from_env()
    logs: Path = tmp_path_factory.mktemp("consent")
    with stack_sandbox(stack) as box:
        shared = TopicReader(stack.kafka_admin, box.settings.topic_prefix + SHARED_TOPIC)
        try:
            with ExitStack() as workers:
                for stage in stages:
                    log = workers.enter_context((logs / f"{stage}.log").open("wb"))
                    workers.enter_context(running_worker(box, log=log, stage=stage))
                yield Pipeline(box, shared, logs)
        finally:
            shared.close()


def test_objection_purges_and_keeps_back_later_events(pipeline: Pipeline) -> None:
    """Before: both people's results are shared. The objection: a purge of that person, and the
    consent event itself is not shared. After: only the other person's results are."""
    alex = patient_event(org="Y01", local_patient_id="A1", source_record_id="A1-pat", serial=1)
    blake = patient_event(org="Y01", local_patient_id="B1", source_record_id="B1-pat", serial=2)
    pipeline.publish(alex, blake, _alex("A-R1"), _blake("B-R1"))
    pipeline.wait_for("first results", lambda m: {"A-R1", "B-R1"} <= _items(m))
    alex_person = next(
        m.key.decode() for m in pipeline.shared.messages if m.key and _items([m]) == {"A-R1"}
    )
    pipeline.publish(consent_event(local_patient_id="A1", serial=1))
    pipeline.wait_for("the purge", lambda m: bool(_purges(m)))
    assert _purges(pipeline.shared.messages) == [alex_person]
    pipeline.publish(_alex("A-R2"), _blake("B-R2"))
    pipeline.wait_for("the second result of the other person", lambda m: "B-R2" in _items(m))
    time.sleep(1.0)  # anything of A-R2 would have been sent with B-R2's batch or just after
    pipeline.shared.poll(0.5)
    assert "A-R2" not in _items(pipeline.shared.messages)
    assert "C1" not in _items(pipeline.shared.messages)
