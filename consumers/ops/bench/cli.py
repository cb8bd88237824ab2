"""``mcr bench ...``: run each package's benchmark against the real stack and report it.

Every command prints its result as one JSON object on the last line; ``all`` also writes
the Markdown table (docs/benchmarks.md) and the raw JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from consumers.ops.bench.markdown import machine_facts, render_markdown
from deploy.local.settings import StackSettings
from mcr.core.kafka_acls import BENCH

app = typer.Typer(
    help="Benchmarks (JSON output; `all` writes docs/benchmarks.md).", no_args_is_help=True
)

EVENTS = typer.Option(50_000, "--events", help="How many synthetic events.")
E2E_EVENTS = 300_000
"""The end-to-end run of ``all``: long enough to show a sustained rate (issue 17's size)."""


def _produce(events: int) -> dict[str, Any]:
    from consumers.ops.bench.produce import run_produce_bench  # noqa: PLC0415 - each bench loads its own stack code

    stack = StackSettings.from_env()
    plaintext = stack.kafka_bench_plaintext  # None unless the benchmark listener is on
    return run_produce_bench(events=events, kafka=stack.kafka_client(BENCH), plaintext=plaintext)


def _e2e(events: int, **options: Any) -> dict[str, Any]:
    from consumers.ops.bench import E2eOptions, run_e2e_bench  # noqa: PLC0415

    return run_e2e_bench(E2eOptions(events=events, **options), stack=StackSettings.from_env())


def _identity(events: int) -> dict[str, Any]:
    from consumers.ops.bench.identity import run_identity_bench  # noqa: PLC0415
    from streams.consent.settings import ConsentSettings  # noqa: PLC0415
    from streams.identity.settings import IdentitySettings, ReviewSettings  # noqa: PLC0415

    settings = StackSettings.from_env()
    dsn = IdentitySettings.from_env().postgres_dsn.get_secret_value()
    consent_dsn = ConsentSettings.from_env().postgres_dsn.get_secret_value()
    operator_dsn = ReviewSettings.from_env().operator_dsn.get_secret_value()
    return run_identity_bench(events=events, kafka=settings.kafka_admin, postgres_dsn=dsn,
                              consent_dsn=consent_dsn, operator_dsn=operator_dsn)  # fmt: skip


def _deid(events: int) -> dict[str, Any]:
    from consumers.ops.bench.deid import run_deid_bench  # noqa: PLC0415

    return run_deid_bench(events=events, postgres_dsn=StackSettings.from_env().postgres_dsn)


def _query(events: int, **options: Any) -> dict[str, Any]:
    from consumers.ops.bench.query import QueryOptions, run_query_bench  # noqa: PLC0415
    from consumers.ops.bench.query_service import bench_token, serve_space  # noqa: PLC0415

    stack = StackSettings.from_env()
    return run_query_bench(QueryOptions(events=events, **options), stack=stack,
                           serve=serve_space(stack), token=bench_token(stack))  # fmt: skip


BENCHES: dict[str, Callable[[int], dict[str, Any]]] = {
    "produce": _produce,
    "identity": _identity,
    "deid": _deid,
    "e2e": _e2e,
    "query": lambda events: _query(min(events, 20_000)),
}


def _emit(result: dict[str, Any]) -> None:
    typer.echo(json.dumps(result, default=str))


@app.command()
def produce(events: int = EVENTS) -> None:
    """Encode, validate and produce throughput; bytes per event."""
    _emit(_produce(events))


@app.command()
def identity(events: int = EVENTS) -> None:
    """Identity resolution events/s for new and for known records (resolver and live worker)."""
    _emit(_identity(events))


@app.command()
def deid(events: int = EVENTS) -> None:
    """The de-identification stage's batch work: events/s and CPU per event (and consent's)."""
    _emit(_deid(events))


@app.command()
def e2e(
    *,
    events: int = typer.Option(20_000, "--events", help="Events in the throughput phase."),
    latency_seconds: float = typer.Option(10.0, "--latency-seconds", help="Latency phase length."),
    rate: float = typer.Option(1_000.0, "--rate", help="Events/s in the latency phase."),
    seed: int = typer.Option(2026, "--seed", help="Simulator seed."),
    identity_workers: int = typer.Option(
        1, "--identity-workers", min=1, help="Identity worker processes (one group)."
    ),
    projection_workers: int = typer.Option(
        1, "--projection-workers", min=1, help="Projection worker processes (one group)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print only the JSON line."),
) -> None:
    """Producer -> identity -> searchable record: events/s, latency, baseline, stage profile."""
    from consumers.ops.bench import BenchError, summary_text  # noqa: PLC0415

    try:
        result = _e2e(
            events, latency_seconds=latency_seconds, latency_rate=rate, seed=seed,
            identity_workers=identity_workers, projection_workers=projection_workers,
        )  # fmt: skip
    except BenchError as exc:
        typer.echo(f"bench e2e failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    if not as_json:
        typer.echo(summary_text(result))
    _emit(result)


@app.command()
def backfill(
    *,
    people: int = typer.Option(
        1_100_000, "--people", min=1, help="People of the synthetic region to load."
    ),
    seed: int = typer.Option(2026, "--seed", help="Simulator seed."),
    as_json: bool = typer.Option(False, "--json", help="Print only the JSON line."),
) -> None:
    """Load a synthetic region end to end (producer SDK -> streams -> projection ->
    OpenSearch): wall time, events/s, per-stage split, CPU, every event accounted for."""
    from consumers.ops.bench import BenchError  # noqa: PLC0415
    from consumers.ops.bench.backfill import BackfillOptions, run_backfill  # noqa: PLC0415

    try:
        result = run_backfill(
            BackfillOptions(people=people, seed=seed), stack=StackSettings.from_env()
        )
    except BenchError as exc:
        typer.echo(f"bench backfill failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    if not as_json:
        typer.echo(backfill_text(result))
    _emit(result)


def backfill_text(result: dict[str, Any]) -> str:
    """A few readable lines of a backfill report (printed before the JSON line)."""
    accounting, pipeline = result["accounting"], result["pipeline"]
    estimate = result["full_region_estimate"]
    lines = [
        f"{result['people']:,} people, {result['events']:,} events: published in "
        f"{result['publish']['seconds']} s, pipeline {pipeline['seconds']} s "
        f"({result['pipeline_events_per_s']:,.0f} events/s), wall {result['wall_s']} s",
        f"accounting: {accounting['events_by_outcome']}, unaccounted "
        f"{accounting['unaccounted_by_reason'] or 0}; documents (one in "
        f"{accounting['documents_sampled_one_in']} checked): "
        f"{accounting['missing_documents']} missing, {accounting['leaked_documents']} leaked",
        f"bottleneck (s): {pipeline['bottleneck_s']}; no stage starves: "
        f"{pipeline['starvation']['no_stage_starves']}",
    ]
    if estimate:
        lines.append(
            f"NOT the full region: {estimate['note']}: about {estimate['events']:,} events, "
            f"publish {estimate['publish_s']} s + pipeline {estimate['pipeline_s']} s"
        )
    return "\n".join(lines)


@app.command()
def query(
    *,
    events: int = typer.Option(20_000, "--events", help="Region events loaded first."),
    rate: float = typer.Option(
        50.0, "--rate", help="Requests per second (record, FHIR search, $everything in turn)."
    ),
    seconds: float = typer.Option(30.0, "--seconds", help="How long the fetches run."),
    ingest_rate: float = typer.Option(50.0, "--ingest-rate", help="Events/s published meanwhile."),
    as_json: bool = typer.Option(False, "--json", help="Print only the JSON line."),
) -> None:
    """Record fetches through the real service (token validation, access, consent at read,
    the signed audit row) at a fixed rate while ingest runs: requests, p50_ms, p99_ms."""
    result = _query(events, rate=rate, seconds=seconds, ingest_rate=ingest_rate)
    if not as_json:
        typer.echo(f"{result['requests']} requests at {rate}/s: p50 {result['p50_ms']} ms, "
                   f"p99 {result['p99_ms']} ms, statuses {result['statuses']}")  # fmt: skip
    _emit(result)


@app.command("all")
def run_all(
    events: int = EVENTS,
    e2e_events: int = typer.Option(
        E2E_EVENTS, "--e2e-events", min=1, help="Events in the end-to-end throughput phase."
    ),
    out: Path = typer.Option(Path("docs/benchmarks.md"), "--out", help="Markdown report."),
    json_out: Path = typer.Option(Path("bench-results/latest.json"), "--json-out"),
) -> None:
    """Run every benchmark, write the Markdown table and the raw JSON."""
    sizes = {name: e2e_events if name == "e2e" else events for name in BENCHES}
    results = {name: bench(sizes[name]) for name, bench in BENCHES.items()}
    machine = machine_facts()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        render_markdown(results, machine=machine, command="make bench"), encoding="utf-8"
    )
    json_out.parent.mkdir(parents=True, exist_ok=True)
    json_out.write_text(json.dumps({"machine": machine, "results": results}, indent=2, default=str))
    _emit({"machine": machine, "results": results})
