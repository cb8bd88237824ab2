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

from deploy.local.settings import StackSettings
from mcr.bench_report import machine_facts, render_markdown

app = typer.Typer(
    help="Benchmarks (JSON output; `all` writes docs/benchmarks.md).", no_args_is_help=True
)

EVENTS = typer.Option(50_000, "--events", help="How many synthetic events.")


def _produce(events: int) -> dict[str, Any]:
    from producers.bench import run_produce_bench  # noqa: PLC0415 - each bench loads its own stack code

    return run_produce_bench(events=events, bootstrap=StackSettings.from_env().kafka_bootstrap)


BENCHES: dict[str, Callable[[int], dict[str, Any]]] = {"produce": _produce}


def _emit(result: dict[str, Any]) -> None:
    typer.echo(json.dumps(result, default=str))


@app.command()
def produce(events: int = EVENTS) -> None:
    """Encode, validate and produce throughput; bytes per event."""
    _emit(_produce(events))


@app.command("all")
def run_all(
    events: int = EVENTS,
    out: Path = typer.Option(Path("docs/benchmarks.md"), "--out", help="Markdown report."),
    json_out: Path = typer.Option(Path("bench-results/latest.json"), "--json-out"),
) -> None:
    """Run every benchmark, write the Markdown table and the raw JSON."""
    results = {name: bench(events) for name, bench in BENCHES.items()}
    machine = machine_facts()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        render_markdown(results, machine=machine, command="make bench"), encoding="utf-8"
    )
    json_out.parent.mkdir(parents=True, exist_ok=True)
    json_out.write_text(json.dumps({"machine": machine, "results": results}, indent=2, default=str))
    _emit({"machine": machine, "results": results})
