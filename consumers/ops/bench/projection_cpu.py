"""CPU per event of the record projection and of OpenSearch, without Kafka or the streams.

Feeds region events (encoded, with a person header, as the consent stage passes them on) to
``RecordPipeline`` with the real ``RecordWriter`` on a fresh alias of the local stack's
OpenSearch, at the runner's cadence (batches of ``flush_max_docs``, a flush after the flush
interval, a settle every ``--settle-ms``, and, at a ``--rate``, the runner's refresh while
caught up), and reads this process's and OpenSearch's CPU from ``/proc``. ``--rate`` feeds
that many events/s instead of as fast as it can (a backlog); ``--probe`` also measures how
long after an event was handed over its document was searchable (the probes' searches cost
OpenSearch CPU, so measure CPU in runs without them).

    python -m consumers.ops.bench.projection_cpu --events 20000 [--rate 700] [--settle-ms 2500] \\
        [--probe]

For measuring only (docs/benchmarks-e2e.md): it needs the local stack (``mcr stack up``) and
deletes its alias afterwards. To compare with older code, run it with ``PYTHONPATH`` pointing
at an export of that commit (``git archive <commit> | tar -x -C /tmp/old``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import Producer
from opensearchpy import OpenSearch

from consumers.ops.bench.events import document_id, region_events
from deploy.local import StackSettings
from deploy.local.process import read_pid
from projections.dlq import DeadLetterSender
from projections.record.backoff import Backoff
from projections.record.ids import template_name
from projections.record.indices import ensure_alias
from projections.record.messages import RawMessage
from projections.record.pipeline import RecordPipeline
from projections.record.settings import RecordSettings
from projections.record.writer import RecordWriter, connect
from schemas.codec import encode
from schemas.events import PERSON_ID_HEADER

_TICKS = os.sysconf("SC_CLK_TCK")
VISIBLE_INTERVAL_S = 0.5


def _cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _person(header: dict[str, Any]) -> bytes:
    key = str(header.get("nhs_number") or f"{header['org']}/{header['local_patient_id']}")
    return uuid.UUID(bytes=hashlib.blake2b(key.encode(), digest_size=16).digest()).hex.encode()


def _messages(count: int, seed: int) -> tuple[list[str | None], list[RawMessage]]:
    events = region_events(count, seed=seed).events
    messages = []
    for offset, event in enumerate(events):
        person = _person(event.payload["header"])
        headers = [(PERSON_ID_HEADER, person)]
        messages.append(RawMessage("mcr.shared", 0, offset, person, encode(event), headers))
    return [document_id(event) for event in events], messages


def _probe(client: OpenSearch, alias: str, doc_id: str, lags: list[float]) -> None:
    """How long until ``doc_id`` is searchable (a search, not a realtime get)."""
    handed = time.monotonic()
    query = {"query": {"ids": {"values": [doc_id]}}, "size": 0}
    while time.monotonic() - handed < 10:
        if client.search(index=alias, body=query)["hits"]["total"]["value"]:
            lags.append(time.monotonic() - handed)
            return
        time.sleep(0.02)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rate", type=float, default=0.0, help="events/s; 0: a backlog")
    parser.add_argument("--refresh-interval", default=None, help="the index's own refresh")
    parser.add_argument("--settle-ms", type=int, default=1000, help="the settle interval")
    parser.add_argument("--flush-ms", type=int, default=100, help="the flush interval")
    parser.add_argument("--probe", action="store_true", help="measure produce-to-searchable")
    parser.add_argument("--label", default="")
    # What each part costs, found by leaving it out (diagnostic only: the record is wrong).
    parser.add_argument("--skip", choices=["summaries", "routes"], action="append", default=[])
    return parser.parse_args()


@dataclass
class Feed:
    """The run's pipeline, its alias and what the probes found."""

    pipeline: RecordPipeline
    admin: OpenSearch
    alias: str
    lags: list[float] = field(default_factory=list)
    probes: list[threading.Thread] = field(default_factory=list)

    def probe(self, doc_id: str) -> None:
        probe = threading.Thread(target=_probe, args=(self.admin, self.alias, doc_id, self.lags))
        probe.start()
        self.probes.append(probe)


def _start(stack: StackSettings, args: argparse.Namespace) -> Feed:
    extra = {} if args.refresh_interval is None else {"refresh_interval": args.refresh_interval}
    settings = RecordSettings(
        kafka=stack.kafka_admin,
        opensearch_url=stack.opensearch_user_url("mcr_projection"),
        opensearch_ca_file=str(stack.opensearch_ca_file),
        alias=f"t-cpu-{uuid.uuid4().hex[:8]}",
        **extra,
    )
    ca_file = str(stack.opensearch_ca_file)
    client = connect(settings.opensearch_url.get_secret_value(), ca_file=ca_file)
    ensure_alias(client, settings, now=datetime.now(UTC))
    pipeline = RecordPipeline(
        writer=RecordWriter(client, target=settings.alias, require_alias=True),
        dead_letters=DeadLetterSender(
            Producer(stack.kafka_admin.config()), topic="mcr.dlq.cpu", stage="cpu"
        ),
        identity_topic="mcr.identity.changes",
        flush_max_docs=settings.flush_max_docs,
        backoff=Backoff(0.1, 1.0),
        wait=time.sleep,
    )
    if "summaries" in args.skip:
        pipeline._write_summaries = pipeline._dirty.clear  # type: ignore[method-assign]
    if "routes" in args.skip:
        pipeline._writer.routes = lambda source_keys: {}  # type: ignore[method-assign]
    return Feed(pipeline, connect(stack.opensearch_url, ca_file=ca_file), settings.alias)


def _feed(feed: Feed, doc_ids: list[str | None], messages: list[RawMessage],
          args: argparse.Namespace) -> None:  # fmt: skip
    """Hand ``messages`` over at the runner's cadence (at ``args.rate`` when set)."""
    pipeline, batch = feed.pipeline, 2000 if not args.rate else max(1, int(args.rate * 0.05))
    started = time.monotonic()
    next_settle, next_probe = started + args.settle_ms / 1000, 0.0
    refresh_due = getattr(pipeline, "refresh_due", lambda _s: False)  # older code: none
    for start in range(0, len(messages), batch):
        if args.rate and (ahead := started + start / args.rate - time.monotonic()) > 0:
            time.sleep(ahead)
        for message in messages[start : start + batch]:
            pipeline.handle(message)
        if args.probe and time.monotonic() >= next_probe and (doc := doc_ids[start]):
            next_probe = time.monotonic() + 1.0
            feed.probe(doc)
        if pipeline.flush_due(args.flush_ms / 1000):
            pipeline.flush()
        if args.rate and refresh_due(VISIBLE_INTERVAL_S):
            pipeline.refresh()
        if time.monotonic() >= next_settle:
            pipeline.settle()
            next_settle = time.monotonic() + args.settle_ms / 1000
    pipeline.settle()


def main() -> None:
    args = _arguments()
    stack = StackSettings.from_env()
    os_pid = read_pid(stack.run_dir / "opensearch" / "opensearch.pid")
    if os_pid is None:
        raise SystemExit("no OpenSearch pid file: is the stack up?")
    doc_ids, messages = _messages(args.events, args.seed)
    feed = _start(stack, args)
    os_before, mine_before, started = _cpu_s(os_pid), _cpu_s(os.getpid()), time.monotonic()
    _feed(feed, doc_ids, messages, args)
    wall = time.monotonic() - started
    os_used, mine_used = _cpu_s(os_pid) - os_before, _cpu_s(os.getpid()) - mine_before
    for probe in feed.probes:
        probe.join()
    lags = sorted(feed.lags)
    feed.admin.indices.refresh(index=feed.alias)
    stats = feed.pipeline.stats
    print(json.dumps({
        "label": args.label, "skip": args.skip, "events": len(messages), "rate": args.rate,
        "settle_ms": args.settle_ms, "flush_ms": args.flush_ms, "wall_s": round(wall, 2),
        "events_per_s": round(len(messages) / wall), "load1": os.getloadavg()[0],
        "projection_ms_per_event": round(mine_used * 1000 / len(messages), 4),
        "opensearch_ms_per_event": round(os_used * 1000 / len(messages), 4),
        "written": stats.written, "conflicts": stats.conflicts, "skipped": stats.skipped,
        "dead_letters": stats.dead_letters,
        "docs": feed.admin.count(index=feed.alias)["count"],
        "lag_p50_ms": round(lags[len(lags) // 2] * 1000) if lags else None,
        "lag_max_ms": round(lags[-1] * 1000) if lags else None, "probes": len(lags),
    }))  # fmt: skip
    feed.admin.indices.delete(index=f"{feed.alias}-v*")
    feed.admin.indices.delete_index_template(name=template_name(feed.alias))


if __name__ == "__main__":
    main()
