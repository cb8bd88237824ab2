"""An organisation whose source topic is made while the streams worker runs (onboarded after
the start, as `mcr org add` does): its events are linked within seconds, and the worker keeps
committing what it reads on every source topic, the old ones included.

The worker's topic watch once changed the subscription of the root topic object while faust
consumes through a clone of it: the new topic's events went to a queue nothing read, and every
old topic's events were delivered twice and acknowledged once, so nothing was committed again.
"""

from __future__ import annotations

import time
from pathlib import Path

from confluent_kafka.admin import AdminClient

from consumers.ops.lag import group_lag
from deploy.local import StackSettings
from mcr.core import org_registry
from mcr.core.topic_admin import create_missing_topics
from producers.sdk import Publisher, PublisherConfig
from schemas.codec import decode
from schemas.events import LINKED_TOPIC, SourceEvent, organisation_topic
from streams.identity.offline.sandbox import (
    Sandbox,
    TopicReader,
    live_test_organisation,
    running_worker,
)
from tests.unit.projections.builders import patient_event, result_event

NEW_ORG = "Z98"
WAIT_S = 90


def _publish(box: Sandbox, *events: SourceEvent) -> None:
    config = PublisherConfig(kafka=box.kafka, topic_prefix=box.settings.topic_prefix)
    with Publisher(config) as publisher:
        publisher.publish_all(list(events))


def _records(linked: TopicReader) -> set[str]:
    return {decode(m.value).payload["header"]["source_record_id"] for m in linked.messages}


def _wait_linked(linked: TopicReader, wanted: set[str], log: Path) -> None:
    deadline = time.monotonic() + WAIT_S
    while not wanted <= _records(linked):
        assert time.monotonic() < deadline, (
            f"not linked: {sorted(wanted - _records(linked))}\n"
            f"{log.read_text(errors='replace')[-3000:]}"
        )
        linked.poll(0.5)


def test_a_topic_made_after_the_start_is_read_and_everything_is_committed(
    empty_sandbox: Sandbox, stack: StackSettings, tmp_path: Path
) -> None:
    box = empty_sandbox
    log = tmp_path / "worker.log"
    linked = TopicReader(box.kafka, box.settings.topic_prefix + LINKED_TOPIC)
    old_topic = organisation_topic("Y01", prefix=box.settings.topic_prefix)
    new_topic = organisation_topic(NEW_ORG, prefix=box.settings.topic_prefix)
    try:
        with log.open("wb") as out, running_worker(box, log=out, stage="identity"):
            _publish(box, patient_event(org="Y01", local_patient_id="A1",
                                        source_record_id="A1-pat", serial=1))  # fmt: skip
            _wait_linked(linked, {"A1-pat"}, log)  # the worker runs and reads
            # Onboarding: registered live, then its topic made (as `mcr org add` does).
            with org_registry.connect(box.operator_dsn, box.settings.registry_schema) as conn:
                org_registry.seed(conn, [live_test_organisation(NEW_ORG)])
            create_missing_topics(box.kafka, [new_topic], partitions=2)
            _publish(box, patient_event(org=NEW_ORG, local_patient_id="N1",
                                        source_record_id="N1-pat", serial=3),
                     result_event(org="Y01", local_patient_id="A1", source_record_id="A1-R1",
                                  serial=1))  # fmt: skip
            _wait_linked(linked, {"N1-pat", "A1-R1"}, log)
            admin, deadline = AdminClient(box.kafka.config()), time.monotonic() + WAIT_S
            while waiting := group_lag(admin, group=box.app_id, topics=[old_topic, new_topic]):
                assert time.monotonic() < deadline, f"never committed: {waiting} messages"
                time.sleep(1.0)
    finally:
        linked.close()
