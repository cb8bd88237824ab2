"""The worker's ``run`` command as a real process: it projects, and SIGTERM settles and exits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from opensearchpy import OpenSearch

from projections.record.settings import RecordSettings
from tests.conftest import PROJECT_ROOT
from tests.integration.projections.conftest import all_documents, committed, produce, wait_until
from tests.unit.projections.builders import linked, result_event

RUN = "from projections.record.cli import app; app(['run'])"


def test_run_projects_until_sigterm_then_commits_and_exits_cleanly(
    record_settings: RecordSettings, opensearch_client: OpenSearch
) -> None:
    """Started from the environment, the worker indexes, commits, and stops with exit code 0."""
    settings = record_settings
    env = {
        **os.environ,
        **settings.kafka.environment(),
        "MCR_OPENSEARCH_URL": settings.opensearch_url.get_secret_value(),
        "MCR_RECORD_SOURCE_TOPIC": settings.source_topic,
        "MCR_RECORD_IDENTITY_TOPIC": settings.identity_topic,
        "MCR_RECORD_DLQ_TOPIC": settings.dlq_topic,
        "MCR_RECORD_GROUP": settings.group_id,
        "MCR_RECORD_ALIAS": settings.alias,
    }
    produce(settings.kafka, settings.source_topic,
            [linked(result_event(source_record_id=f"R{i}"), "A") for i in range(3)], partition=0)  # fmt: skip
    process = subprocess.Popen([sys.executable, "-c", RUN], env=env, cwd=PROJECT_ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        wait_until(lambda: committed(settings, settings.source_topic, 2) == [3, -1001],
                   what="worker commit")  # fmt: skip
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "handled 3, written 3" in output
    assert {"result|RC9|R0", "result|RC9|R1", "result|RC9|R2"} <= set(
        all_documents(opensearch_client, settings.alias)
    )
