"""A stage that meets an error it cannot retry stops its worker (non-zero) for the service
manager to restart, on a real stack: the consent stage given a role that may not make its
schema. faust's default would restart the agent in place with its batch dropped (never
acknowledged, not read again until a rebalance) while the worker looked healthy."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from confluent_kafka import Producer

from deploy.local import StackSettings
from schemas.events import LINKED_TOPIC
from streams.identity.offline.sandbox import Sandbox, running_worker

EXIT_WITHIN_S = 90


def _wait_for_exit(process: subprocess.Popen[bytes], timeout_s: float) -> int | None:
    deadline = time.monotonic() + timeout_s
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    return process.poll()


def test_a_stage_that_cannot_open_its_schema_exits_non_zero(
    empty_sandbox: Sandbox, stack: StackSettings, tmp_path: Path
) -> None:
    box = empty_sandbox
    log_file = tmp_path / "consent.log"
    # The query service's role reads; it may not create the consent stage's schema.
    refused = {"MCR_CONSENT_DSN": stack.query_dsn}
    with (
        log_file.open("wb") as log,
        running_worker(box, log=log, stage="consent", environ=refused) as worker,
    ):
        producer = Producer(box.kafka.config())
        producer.produce(box.settings.topic_prefix + LINKED_TOPIC, key=b"p1", value=b"any")
        assert producer.flush(30) == 0
        code = _wait_for_exit(worker, EXIT_WITHIN_S)
    text = log_file.read_text(errors="replace")
    assert code not in (None, 0), f"the worker did not stop: {text[-3000:]}"
    assert "InsufficientPrivilege" in text
