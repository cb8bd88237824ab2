"""What the pipeline-level ops tests share: a provisioned space for a slice of the synthetic
region, publishing it as each organisation, and the check that the record equals the log."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from opensearchpy import OpenSearch

from consumers.ops.bench.events import organisations_of, region_events
from consumers.ops.bench.provision import provisioned
from consumers.ops.bench.space import BenchSpace, Targets, new_space
from deploy.local import StackSettings
from producers.sdk import PublisherConfig
from producers.sdk.fleet import PublisherFleet
from projections.record.expected import VerifyReport
from projections.record.verify import verify_record
from schemas.events import SourceEvent
from tests.integration.ops.test_kill_and_verify import _record_settings


def _client(stack: StackSettings) -> OpenSearch:
    return OpenSearch(hosts=[stack.opensearch_url], timeout=60,
                      ca_certs=str(stack.opensearch_ca_file))  # fmt: skip


@contextmanager
def region_space(
    stack: StackSettings, *, events: int, seed: int, partitions: int
) -> Iterator[BenchSpace]:
    """Fresh topics, schemas, groups and alias, with the organisations of the region slice
    ``region_events(events, seed)`` provisioned; removed after the block."""
    targets = Targets(stack.kafka_admin, stack.opensearch_user_url("mcr_projection"),
                      stack.identity_dsn, stack.consent_dsn, stack.operator_dsn)  # fmt: skip
    client = _client(stack)
    orgs = organisations_of(region_events(events, seed=seed).events)
    try:
        with provisioned(new_space(targets, partitions=partitions, organisations=orgs),
                         client) as made:  # fmt: skip
            yield made
    finally:
        client.close()


def publish(space: BenchSpace, events: Sequence[SourceEvent]) -> None:
    """Publish ``events``, each organisation as itself, and wait until Kafka has them all."""
    with PublisherFleet(space.publisher_config(PublisherConfig.from_env())) as producer:
        for event in events:
            producer.publish(event)
        stats = producer.flush(timeout=180)
    assert (stats.delivered, stats.failed) == (len(events), 0)


def assert_record_equals_log(stack: StackSettings, space: BenchSpace, *, sent: int) -> None:
    """``mcr record verify`` finds nothing missing, leaked or mismatched, and most of the
    ``sent`` events visible."""
    client = _client(stack)
    try:
        report = verify_record(_record_settings(space), client)
    finally:
        client.close()
    assert isinstance(report, VerifyReport), f"projection still behind: {report}"
    counts = (report.count("missing"), report.count("leaked"), report.count("mismatched"))
    assert counts == (0, 0, 0), report.as_json()
    assert report.expected_visible > sent / 2 and report.unreadable == 0
