"""``mcr simulate``: generate the synthetic region and publish it (or just count it).

Prints counts only (people, records, events by type and organisation kind, speed): never a
name, NHS number, birth date or address. The truth file, when asked for, holds those by design.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from mcr.core.errors import McrError
from mcr.core.logging import get_logger
from mcr.core.progress import RichProgress
from producers.simulator.generator import PersonRecords, iter_region
from producers.simulator.ids import nhs_number_for
from producers.simulator.stream import TokenBucket, open_publisher, publish_region
from producers.simulator.summary import RegionTally
from producers.simulator.truth import TruthRow, TruthWriter

app = typer.Typer(
    help="Generate a synthetic BLMK-like region and publish its source events.",
    pretty_exceptions_show_locals=False,
)
_log = get_logger(__name__)

PEOPLE = typer.Option(..., "--people", min=0, help="How many people the region holds.")
SEED = typer.Option(..., "--seed", help="Same seed and people: byte-identical events.")
RATE = typer.Option(None, "--rate", help="Events per second (default: as fast as possible).")
TRUTH = typer.Option(None, "--truth", dir_okay=False, help="Write the ground-truth CSV here.")
DRY_RUN = typer.Option(False, "--dry-run", help="Generate and count only; no Kafka.")
TOPIC = typer.Option(None, "--topic", help="Send every record type to this one topic (tests).")


@contextmanager
def _truth_sink(path: Path | None) -> Iterator[Callable[[tuple[TruthRow, ...]], None]]:
    if path is None:
        yield lambda rows: None
        return
    with path.open("w", encoding="utf-8", newline="") as stream:
        yield TruthWriter(stream).write


def _run(
    people: int,
    seed: int,
    *,
    rate: float | None,
    dry_run: bool,
    topic: str | None,
    on_person: Callable[[PersonRecords], None],
) -> None:
    region = iter_region(people, seed)
    if dry_run:
        for person in region:
            on_person(person)
        return
    limiter = TokenBucket(rate) if rate is not None else None
    with open_publisher(topic) as sink:
        publish_region(region, sink, limiter=limiter, on_person=on_person)


@app.command("simulate")
def simulate(
    *,
    people: int = PEOPLE,
    seed: int = SEED,
    rate: float | None = RATE,
    truth: Path | None = TRUTH,
    dry_run: bool = DRY_RUN,
    topic: str | None = TOPIC,
) -> None:
    """Generate a region of --people people from --seed, then publish or count its events."""
    if rate is not None and rate <= 0:
        raise typer.BadParameter("must be more than 0 events per second", param_hint="--rate")
    nhs_number_for(seed, 0)  # build the test-range table (~1 s) before the clock starts
    tally = RegionTally()
    with _truth_sink(truth) as write_truth, RichProgress(unit="people") as progress:
        progress.phase("people", people)

        def on_person(person: PersonRecords) -> None:
            tally.add(person)
            write_truth(person.truth)
            progress.advance(1)

        try:
            _run(people, seed, rate=rate, dry_run=dry_run, topic=topic, on_person=on_person)
        except McrError as exc:
            typer.echo(f"error: {type(exc).__name__}: {exc}", err=True)
            raise typer.Exit(1) from exc
    for line in tally.lines():
        typer.echo(line)
    _log.info(
        "simulation finished",
        count=tally.people,
        events=tally.events,
        elapsed_s=round(tally.elapsed_s, 2),
        dry_run=dry_run,
    )


if __name__ == "__main__":
    app()
