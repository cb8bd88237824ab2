"""Benchmark results as JSON and as the Markdown table in docs/benchmarks.md (pure).

Each benchmark returns a JSON-able dict; the report flattens the numbers into
``metric | value`` rows per benchmark, under the machine and versions they were measured on.
"""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from typing import Any

from deploy.local.settings import KAFKA_VERSION, OPENSEARCH_VERSION


def machine_facts() -> dict[str, Any]:
    """What the numbers were measured on: cores, memory, CPU model, runtime versions."""
    return {
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "kafka": KAFKA_VERSION,
        "opensearch": OPENSEARCH_VERSION,
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            kib = int(meminfo.readline().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return round(kib / 1024 / 1024, 1)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def flatten(result: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested dict -> ``(dotted.name, value)`` rows, leaves only, in insertion order."""
    rows: list[tuple[str, Any]] = []
    for key, value in result.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows.extend(flatten(value, f"{name}."))
        else:
            rows.append((name, value))
    return rows


#: (label, benchmark, dotted metric, target) rows of the summary at the top of the report.
HEADLINES: tuple[tuple[str, str, str, str], ...] = (
    ("produce: validate + encode + send (events/s)", "produce", "produce.events_per_s", ""),
    ("bytes per event (Avro, all types)", "produce", "bytes_per_event.overall", ""),
    (
        "produce over PLAINTEXT, comparison only (events/s)",
        "produce",
        "produce_plaintext.events_per_s",
        "",
    ),
    ("produce SASL_SSL / PLAINTEXT throughput", "produce", "tls_sasl_cost.throughput_ratio", ""),
    ("new client to first metadata, SASL_SSL (ms)", "produce", "tls_sasl_cost.connect_ms", ""),
    (
        "new client to first metadata, PLAINTEXT (ms)",
        "produce",
        "tls_sasl_cost.connect_ms_plaintext",
        "",
    ),
    ("identity, live worker, new records (events/s)", "identity", "live.new.events_per_s", ""),
    ("identity, live worker, known records (events/s)", "identity", "live.known.events_per_s", ""),
    ("de-identification for planning, batch work (events/s)", "deid", "deid.events_per_s", ""),
    ("de-identification CPU per event (us, worker process)", "deid", "deid.cpu_us_per_event", ""),
    (
        "end to end as a fraction of the no-processing baseline (same run)",
        "e2e",
        "fraction_of_baseline",
        ">= 0.5",
    ),
    ("end to end events in the throughput phase", "e2e", "events", ">= 300,000"),
    ("end to end, producer to searchable (events/s)", "e2e", "events_per_s", ">= 5,000"),
    ("baseline: plain bulk indexer (events/s)", "e2e", "baseline_events_per_s", ""),
    ("no stage starves (progress in every 5 s with a backlog)", "e2e", "no_stage_starves", "True"),
    ("produce-to-searchable p50 at 1,000 events/s (ms)", "e2e", "latency_p50_ms", ""),
    ("produce-to-searchable p99 at 1,000 events/s (ms)", "e2e", "latency_p99_ms", "< 1,000"),
    ("query service: ingest running meanwhile (events/s)", "query", "ingest_rate", ""),
    ("query service p50 at 50 requests/s, all kinds (ms)", "query", "p50_ms", ""),
    ("query service p99 at 50 requests/s, all kinds (ms)", "query", "p99_ms", "<= 50"),
    ("record fetch (viewer) p99 (ms)", "query", "by_kind.record.p99_ms", "<= 50"),
    ("FHIR search page p99 (ms)", "query", "by_kind.fhir_search.p99_ms", "<= 50"),
    ("FHIR $everything page p99 (ms)", "query", "by_kind.fhir_everything.p99_ms", "<= 50"),
)


def headline_rows(results: dict[str, dict[str, Any]]) -> list[tuple[str, Any, str]]:
    """(label, value, target) for each headline metric present in ``results``."""
    rows = []
    for label, bench, metric, target in HEADLINES:
        values = dict(flatten(results.get(bench, {})))
        if metric in values:
            rows.append((label, values[metric], target))
    return rows


def render_markdown(
    results: dict[str, dict[str, Any]], *, machine: dict[str, Any], command: str
) -> str:
    """The whole docs/benchmarks.md page for ``results`` (benchmark name -> result dict)."""
    lines = [
        "# Benchmarks",
        "",
        "Measured, not asserted: regenerate with the command below. Numbers from one run on a",
        "noisy shared machine; compare runs on the same machine only. How the end-to-end run",
        "works, where its time goes and what would move it:",
        "[benchmarks-e2e.md](benchmarks-e2e.md).",
        "",
        "The end-to-end run has 300,000 events (`mcr bench all --e2e-events N` to change it) and",
        "leads with its fraction of the no-processing baseline measured in the same run, since",
        "absolute rates on this shared machine vary by two times from day to day. Loading a whole",
        "region is its own command, not part of `make bench`: `mcr bench backfill --people N`.",
        "Before the benchmarks, `make bench` runs their own tests at a tiny size (`pytest -m",
        "bench`: e2e, query and backfill runs accounting for every event, and a flat-memory soak).",
        "",
        "Kafka runs SASL/SCRAM-SHA-512 over TLS with ACLs ([security.md](security.md)); every",
        "number here is with security on. `produce_plaintext` and `tls_sasl_cost` compare the",
        "same producer on the benchmark-only PLAINTEXT listener (`make bench` opens it).",
        "",
        f"- command: `{command}`",
        *(f"- {key}: {value}" for key, value in machine.items()),
        "",
    ]
    summary = headline_rows(results)
    if summary:
        lines += ["## Summary", "", "| measure | value | target |", "| --- | --- | --- |"]
        lines += [f"| {label} | {_cell(value)} | {target} |" for label, value, target in summary]
        lines.append("")
    for name, result in results.items():
        lines += [f"## {name}", "", "| metric | value |", "| --- | --- |"]
        lines += [f"| {metric} | {_cell(value)} |" for metric, value in flatten(result)]
        lines.append("")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.3g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value).replace("|", "/")
