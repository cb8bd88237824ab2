"""``mcr identity ...`` and ``mcr link-eval``: review, merge, unmerge, explain, train,
evaluate (and ``worker``, an alias of ``mcr streams worker``).

Output names ids, rules, levels and scores only: never a name, NHS number, date or address.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import psycopg
import typer

from mcr.core.progress import RichProgress
from streams.cli import worker as streams_worker
from streams.identity import merges, rekey, repository, reviews
from streams.identity import weights as weights_files
from streams.identity.changes import split_source_key
from streams.identity.connections import connect
from streams.identity.decision import Thresholds
from streams.identity.demographics import Demographics
from streams.identity.errors import IdentityError
from streams.identity.offline.linkeval import evaluate
from streams.identity.offline.records_file import read_records
from streams.identity.offline.training import train as train_weights
from streams.identity.scoring import MatchWeights
from streams.identity.settings import IdentitySettings, ReviewSettings

__all__ = ["app", "link_eval_command", "review_app"]

app = typer.Typer(help="Identity matching and the master patient index.", no_args_is_help=True)
review_app = typer.Typer(help="The review queue.", no_args_is_help=True)
app.add_typer(review_app, name="review")


def _connection() -> Any:
    """The operators' connection on the MPI: rows only, so the schema must exist (the identity
    worker creates and migrates it)."""
    settings = ReviewSettings.from_env()
    return connect(settings.operator_dsn.get_secret_value(), settings.schema_name, create=False)


def _fail(exc: IdentityError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code=1)


def _print_changes(changes: list[dict[str, Any]]) -> None:
    for change in changes:
        typer.echo(
            f"{change['kind']} person={change['person_id']} "
            f"previous={change['previous_person_id'] or '-'} "
            f"source_keys={','.join(change['source_keys'])} rule={change['rule']}"
        )


@review_app.command("list")
def review_list(
    status: Annotated[
        str, typer.Option(help="pending, accepted, rejected or superseded")
    ] = "pending",
    limit: Annotated[int, typer.Option(min=1)] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """List reviews: id, source key, rule, candidate person (and who holds its records now,
    after a merge), score, guards, and for a recheck the person the record is linked to."""
    with _connection() as conn:
        rows = [_review_row(conn, item) for item in reviews.list_reviews(conn, status, limit)]
    if as_json:
        typer.echo(json.dumps({"status": status, "count": len(rows), "reviews": rows}))
        return
    for row in rows:
        candidate, now = row["candidate_person_id"], row["candidate_now"]
        shown = f"{candidate} (now {now})" if now != candidate else candidate or "-"
        also = ",".join(f"{d['rule']}:{d['candidate_person_id']}" for d in row["also_questioned"])
        typer.echo(
            f"{row['review_id']}\t{row['source_key']}\t{row['rule']}\t{shown}\t{row['score']}\t"
            f"{','.join(row['guards']) or '-'}"
            + (f"\tlinked={row['linked_person_id']}" if row["linked_person_id"] else "")
            + (f"\talso={also}" if also else "")
        )
    typer.echo(f"{len(rows)} {status} review(s)")


def _review_row(conn: Any, item: reviews.ReviewItem) -> dict[str, Any]:
    """What the list shows of one review (ids, rule, score, guards; never demographics)."""
    candidate = item.candidate_person_id
    return {
        "review_id": item.review_id,
        "source_key": item.source_key,
        "rule": item.rule,
        "candidate_person_id": candidate,
        "candidate_now": repository.active_person(conn, candidate) if candidate else None,
        "score": item.score,
        "guards": list(item.evidence.get("guards", [])),
        "linked_person_id": item.evidence.get("linked_person_id"),
        "also_questioned": [
            {"rule": d["rule"], "candidate_person_id": d["candidate_person_id"]}
            for d in item.evidence.get("also_questioned", [])
        ],
    }


@review_app.command("accept")
def review_accept(
    review_id: int, by: Annotated[str, typer.Option(help="Who decided.")] = "operator"
) -> None:
    """Link the reviewed record to its candidate person and release its events."""
    try:
        with _connection() as conn:
            _print_changes(reviews.accept(conn, review_id, decided_by=by))
    except IdentityError as exc:
        raise _fail(exc) from exc


@review_app.command("reject")
def review_reject(
    review_id: int, by: Annotated[str, typer.Option(help="Who decided.")] = "operator"
) -> None:
    """Give the reviewed record a new person and release its events."""
    try:
        with _connection() as conn:
            _print_changes(reviews.reject(conn, review_id, decided_by=by))
    except IdentityError as exc:
        raise _fail(exc) from exc


@app.command("merge")
def merge(survivor: str, retired: str) -> None:
    """Merge person RETIRED into SURVIVOR (prints the merge change; see `unmerge`)."""
    try:
        with _connection() as conn:
            _print_changes(merges.merge(conn, survivor=survivor, retired=retired, rule="operator"))
    except IdentityError as exc:
        raise _fail(exc) from exc


@app.command("unmerge")
def unmerge(merge_id: int) -> None:
    """Undo merge MERGE_ID exactly: the source keys it moved go back."""
    try:
        with _connection() as conn:
            _print_changes(merges.unmerge(conn, merge_id=merge_id))
    except IdentityError as exc:
        raise _fail(exc) from exc


@app.command("explain")
def explain(
    source_key: str,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Why SOURCE_KEY (<org>:<local id>) is linked where it is: rule, score, levels, history."""
    org, local_id = split_source_key(source_key)
    with _connection() as conn:
        row = conn.execute(
            "SELECT person_id, rule, score, evidence FROM source_records "
            "WHERE org = %s AND local_id = %s",
            (org, local_id),
        ).fetchone()
        events = repository.history(conn, org, local_id)
    if row is None:
        if as_json:
            typer.echo(json.dumps({"source_key": source_key, "linked": False}))
        else:
            typer.echo(f"{source_key}: not linked (unknown, or waiting in review)")
        raise typer.Exit(code=1)
    person_id, rule, score, evidence = row
    history = [{"at": f"{e['recorded_at']:%Y-%m-%dT%H:%M:%S}", "action": e["action"],
                "rule": e["rule"], "person_id": e["person_id"]} for e in events]  # fmt: skip
    if as_json:
        typer.echo(json.dumps({
            "source_key": source_key, "linked": True, "person_id": person_id, "rule": rule,
            "score": score, "weights_version": evidence.get("weights_version"),
            "levels": evidence.get("levels", {}),
            "contributions": evidence.get("contributions", {}),
            "guards": evidence.get("guards", []), "history": history,
        }))  # fmt: skip
        return
    typer.echo(
        f"{source_key} -> person {person_id}\nrule: {rule}  score: {score}  "
        f"weights: {evidence.get('weights_version', '-')}"
    )
    for name, level in evidence.get("levels", {}).items():
        weight = evidence.get("contributions", {}).get(name, 0.0)
        typer.echo(f"  {name:<12} {level:<11} {weight:+.2f}")
    if evidence.get("guards"):
        typer.echo(f"guards: {', '.join(evidence['guards'])}")
    for event in history:
        typer.echo(f"history: {event['at']} {event['action']} {event['rule']} "
                   f"-> {event['person_id']}")  # fmt: skip


@app.command("rekey")
def rekey_command(
    batch_size: Annotated[int, typer.Option(min=1, help="Records per transaction.")] = 1000,
    after: Annotated[
        str, typer.Option(help="Resume behind this source key (<org>:<local id>).")
    ] = "",
    as_json: Annotated[bool, typer.Option("--json", help="End with one JSON line.")] = False,
) -> None:
    """Recompute the stored blocking keys of every linked record (after a change to the key
    rules), in committed batches; safe to run again or beside the worker. Prints counts and
    source keys only."""
    settings = IdentitySettings.from_env()
    try:
        start = split_source_key(after) if after else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--after") from exc

    def progress(batch: rekey.BatchResult) -> None:
        done = ":".join(batch.last) if batch.last else "-"
        typer.echo(f"batch: {batch.records} records, {batch.changed} re-keyed, up to {done}")

    dsn = settings.postgres_dsn.get_secret_value()
    try:
        with connect(dsn, settings.schema_name, create=False) as conn:
            report = rekey.rekey(conn, batch_size=batch_size, after=start, on_batch=progress)
    except psycopg.errors.UndefinedTable as exc:
        typer.echo(
            f"error: no MPI in schema {settings.schema_name} (the worker creates it)", err=True
        )
        raise typer.Exit(code=1) from exc
    summary = report.to_json()
    typer.echo(
        f"records {summary['records']}  re-keyed {summary['changed']}  "
        f"keys added {summary['keys_added']}  removed {summary['keys_removed']}  "
        f"last {summary['last'] or '-'}"
    )
    if as_json:
        typer.echo(json.dumps(summary))


# ``mcr identity worker`` was the streams worker's first name: kept as an alias for a while.
app.command("worker", help="Alias of `mcr streams worker` (identity, then consent).")(
    streams_worker
)


@app.command("train")
def train(  # noqa: PLR0917 (typer reads the options from the signature)
    records: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Records CSV.")],
    version: Annotated[str, typer.Option(help="Version name (default: date + file name).")] = "",
    auto_link: Annotated[
        float | None, typer.Option(help="Auto-link threshold (default: current).")
    ] = None,
    review: Annotated[
        float | None, typer.Option(help="Review threshold (default: current).")
    ] = None,
    out_dir: Annotated[
        Path, typer.Option(help="Where weights files live.")
    ] = weights_files.WEIGHTS_DIR,
    accept_unconverged: Annotated[
        bool, typer.Option(help="Write the weights even when EM's diagnostic objects.")
    ] = False,
) -> None:
    """Estimate m/u weights by EM from unlabelled records; write a new weights version
    (refused when EM did not converge to a sensible model, unless --accept-unconverged)."""
    try:
        current = weights_files.load(IdentitySettings.from_env().weights_version)
    except IdentityError:
        current = weights_files.starting_weights()
    name = version or f"{datetime.now(UTC):%Y-%m-%d}-{records.stem}-em"
    try:
        weights_files.check_version(name)  # before EM, not after minutes of it
    except IdentityError as exc:
        raise _fail(exc) from exc
    thresholds = Thresholds(
        auto_link if auto_link is not None else current.thresholds.auto_link,
        review if review is not None else current.thresholds.review,
    )
    invalid: Counter[str] = Counter()
    rows = [r.demographics for r in read_records(records, invalid)]
    _report_invalid(invalid)
    learned = _fit(rows, name, thresholds, records, accept_unconverged=accept_unconverged)
    try:
        path = weights_files.save(learned, directory=out_dir)
    except IdentityError as exc:
        raise _fail(exc) from exc
    typer.echo(f"wrote {path} (match proportion {learned.match_proportion:.3f})")


def _fit(
    rows: list[Demographics],
    name: str,
    thresholds: Thresholds,
    path: Path,
    *,
    accept_unconverged: bool = False,
) -> MatchWeights:
    """EM on ``rows`` (read from ``path``) with a progress bar on stderr; prints EM's diagnostic
    and the twin count, and exits 1 when the diagnostic objects (unless
    ``accept_unconverged``)."""
    source = f"EM on {path.name} ({len(rows)} records)"
    start = weights_files.starting_weights()
    start = type(start)(version=name, levels=start.levels, thresholds=thresholds)
    with RichProgress(unit="pairs") as progress:
        fitted = train_weights(rows, start=start, version=name, progress=progress, source=source)
    diagnostic, twins = fitted.diagnostic, fitted.weights.twins
    typer.echo(
        f"EM: {diagnostic.iterations} iterations, "
        f"{'converged' if diagnostic.converged else 'not converged'}, "
        f"match proportion {diagnostic.match_proportion:.3f}"
    )
    if twins is not None:
        kept = fitted.weights.expects_twins
        typer.echo(
            f"twins: {twins.registered_apart} twin-pattern pairs registered apart in "
            f"{twins.records} records: twin guard "
            f"{'kept' if kept else 'dropped (the records rule twins out)'}"
        )
    if not diagnostic.sensible and not accept_unconverged:
        typer.echo(f"error: EM gave no sensible model: {'; '.join(diagnostic.problems)}", err=True)
        raise typer.Exit(1)
    return fitted.weights


def _report_invalid(invalid: Counter[str]) -> None:
    """One line naming how many values of each field were invalid (read as missing)."""
    if invalid:
        counts = ", ".join(f"{name} {count}" for name, count in sorted(invalid.items()))
        typer.echo(f"invalid fields read as missing: {counts}")


def link_eval_command(
    records: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Records CSV.")],
    as_json: Annotated[bool, typer.Option("--json", help="End with one JSON line.")] = False,
    weights: Annotated[str, typer.Option(help="Weights version (default: the shipped one).")] = "",
    train: Annotated[
        bool,
        typer.Option(
            "--train",
            help="Train weights on the file's own records first (EM; labels unused; not "
            "saved) and measure with those, as a deployment trains on its region.",
        ),
    ] = False,
) -> None:
    """Match a records CSV through the stream's resolver in a throwaway MPI schema and print
    pairwise precision, recall and F1 against its truth ids."""
    settings = IdentitySettings.from_env()
    try:
        loaded = weights_files.load(weights or settings.weights_version)
        invalid: Counter[str] = Counter()
        rows = list(read_records(records, invalid))
        _report_invalid(invalid)
        if train:  # the truth ids are never read: EM sees the demographics only
            demographics = [r.demographics for r in rows]
            loaded = _fit(demographics, "trained-on-file", loaded.thresholds, records)
        with RichProgress(unit="rec") as progress:  # on stderr: stdout keeps the summary
            report = evaluate(settings.postgres_dsn.get_secret_value(), rows, loaded,
                              invalid=invalid, progress=progress)  # fmt: skip
    except IdentityError as exc:
        raise _fail(exc) from exc
    summary = report.to_json()
    typer.echo(
        f"records {summary['records']}  persons {summary['persons']}  "
        f"review {summary['review']}  records/s {summary['records_per_s']}"
    )
    typer.echo(
        f"precision {summary['precision']:.4f}  recall {summary['recall']:.4f}  "
        f"f1 {summary['f1']:.4f}  (weights {summary['weights_version']}, "
        f"twin guard {'on' if summary['twin_guard'] else 'off'})"
    )
    typer.echo(
        f"placeholder records {summary['placeholder_records']}  "
        f"(in {summary['placeholder_pairs']} true pairs, recall "
        f"{summary['placeholder_recall']:.4f})  "
        f"recall without placeholders {summary['recall_without_placeholders']:.4f}"
    )
    typer.echo(
        f"blocking recall {summary['blocking_recall']:.4f}  "
        f"(linkable pairs {summary['blocking_recall_linkable']:.4f})  "
        f"candidate pairs {summary['candidate_pairs']}  review share {summary['review_share']:.4f}"
    )
    if as_json:
        typer.echo(json.dumps(summary))
