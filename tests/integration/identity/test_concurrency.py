"""Two workers seeing the same new person at the same moment create one person, not two; a
link decided while a merge of its person is in flight follows the merge."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import psycopg
import pytest

from deploy.local import StackSettings
from schemas import nhs_number
from streams.identity import merges, repository, reviews
from streams.identity.demographics import NhsStatus
from streams.identity.resolver import resolve
from streams.identity.weights import load
from tests.unit.streams.identity.people import ANNA, record

W = load()
WORKERS = 6


def _race(stack: StackSettings, schema: str, records: list[Any]) -> list[str | None]:
    barrier = threading.Barrier(len(records))
    results: list[str | None] = [None] * len(records)

    def work(index: int) -> None:
        with psycopg.connect(
            stack.identity_dsn, autocommit=True, options=f"-c search_path={schema}"
        ) as conn:
            barrier.wait()
            results[index] = resolve(conn, records[index], W).person_id

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(records))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize(
    "variant",
    [
        {"nhs_status": NhsStatus.VERIFIED},
        {"nhs_number": None, "nhs_status": NhsStatus.ABSENT},
    ],
    ids=["verified-nhs-number", "demographics-only"],
)
def test_simultaneous_records_of_one_new_person_make_one_person(
    stack: StackSettings, pg_schema: str, pg_conn: psycopg.Connection[Any], variant: dict[str, Any]
) -> None:
    """Six threads resolving one new person's records from six orgs at once agree on one id."""
    repository.migrate(pg_conn)
    records = [record(ANNA, org=f"ORG{i}", local_id=f"L{i}", **variant) for i in range(WORKERS)]
    for _ in range(3):
        pg_conn.execute("TRUNCATE persons, source_records, blocking_keys, outbox CASCADE")
        results = _race(stack, pg_schema, records)
        persons = pg_conn.execute("SELECT count(*) FROM persons").fetchone()[0]
        assert persons == 1 and len(set(results)) == 1 and None not in results


# A second person (another verified NHS number) and a record of theirs still to be decided.
OTHER = record(
    org="GP1",
    local_id="G7",
    nhs_number=nhs_number.test_number(5),
    family_name="Nowak",
    given_name="Ola",
)
LATE = record(OTHER, org="LAB", local_id="L1")


def _prepare(conn: psycopg.Connection[Any], how: str) -> Callable[[psycopg.Connection[Any]], Any]:
    """How LATE will be decided: by the stream, or by accepting a review made beforehand."""
    if how == "resolve":
        return lambda c: resolve(c, LATE, W)
    odd = record(LATE, birth_date=date(1950, 11, 20), sex="MALE")  # review against OTHER
    assert resolve(conn, odd, W).person_id is None
    (item,) = reviews.list_reviews(conn)
    return lambda c: reviews.accept(c, item.review_id, decided_by="tester")


def _wait_until_blocked(conn: psycopg.Connection[Any], pid: list[int]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if pid:
            row = conn.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid[0],)
            ).fetchone()
            if row and row[0] == "Lock":
                return
        time.sleep(0.02)
    raise AssertionError("the deciding connection never waited for the merge")


def _in_thread(
    stack: StackSettings, schema: str, pid: list[int], work: Callable[[Any], Any]
) -> threading.Thread:
    def run() -> None:
        with psycopg.connect(
            stack.identity_dsn, autocommit=True, options=f"-c search_path={schema}"
        ) as conn:
            pid.append(conn.info.backend_pid)
            work(conn)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.parametrize("how", ["resolve", "accept"])
def test_a_link_decided_during_a_merge_follows_the_merge(
    stack: StackSettings, pg_schema: str, pg_conn: psycopg.Connection[Any], how: str
) -> None:
    """A record linked (by the stream or a review) to a person being merged away ends on the
    survivor, never on the retired person."""
    repository.migrate(pg_conn)
    survivor, retired = resolve(pg_conn, ANNA, W).person_id, resolve(pg_conn, OTHER, W).person_id
    assert survivor and retired
    decide = _prepare(pg_conn, how)
    pid: list[int] = []
    with psycopg.connect(
        stack.identity_dsn, autocommit=True, options=f"-c search_path={pg_schema}"
    ) as merger:
        with merger.transaction():  # the merge's locks are held until this block commits
            merges.merge(merger, survivor=survivor, retired=retired, rule="operator")
            thread = _in_thread(stack, pg_schema, pid, decide)
            _wait_until_blocked(pg_conn, pid)
        thread.join(timeout=30)
    assert repository.link_of(pg_conn, "LAB", "L1")[0] == survivor


# A second record of the woman the merge tests retire: it matches her, not Anna.
RETIRED = record(
    org="GP1",
    local_id="G7",
    nhs_number=nhs_number.test_number(5),
    family_name="Nowak",
    birth_date=date(1984, 7, 3),
)


def _connect(stack: StackSettings, schema: str) -> psycopg.Connection[Any]:
    return psycopg.connect(stack.identity_dsn, autocommit=True, options=f"-c search_path={schema}")


def test_a_link_that_waited_for_a_merge_is_rechecked_at_unmerge(
    stack: StackSettings, pg_schema: str, pg_conn: psycopg.Connection[Any]
) -> None:
    """A stream transaction that began before a merge and linked to the survivor after it
    counts as linked while the merge stood: the unmerge opens its recheck."""
    repository.migrate(pg_conn)
    survivor = resolve(pg_conn, ANNA, W).person_id
    retired = resolve(pg_conn, RETIRED, W).person_id
    assert survivor and retired
    with _connect(stack, pg_schema) as stream, stream.transaction():
        stream.execute("SELECT 1")  # the transaction (and its now()) has begun
        time.sleep(0.05)
        merges.merge(pg_conn, survivor=survivor, retired=retired, rule="operator")
        late = resolve(stream, record(RETIRED, org="SC1", local_id="S1", nhs_number=None), W)
    assert late.person_id == survivor
    merge_id = pg_conn.execute("SELECT merge_id FROM merges").fetchone()[0]
    merges.unmerge(pg_conn, merge_id=merge_id)
    assert [(r.source_key, r.rule) for r in reviews.list_reviews(pg_conn)] == [
        ("SC1:S1", "unmerge-recheck")
    ]


def test_two_recheck_accepts_with_one_candidate_do_not_deadlock(
    stack: StackSettings,
    pg_schema: str,
    pg_conn: psycopg.Connection[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two reviewers accept, at the same moment, two rechecks whose candidate is the same
    restored person: both records move, neither transaction deadlocks."""
    repository.migrate(pg_conn)
    survivor = resolve(pg_conn, ANNA, W).person_id
    retired = resolve(pg_conn, RETIRED, W).person_id
    assert survivor and retired
    merges.merge(pg_conn, survivor=survivor, retired=retired, rule="operator")
    for local_id in ("S1", "S2"):
        resolve(pg_conn, record(RETIRED, org="SC1", local_id=local_id, nhs_number=None), W)
    merge_id = pg_conn.execute("SELECT merge_id FROM merges").fetchone()[0]
    merges.unmerge(pg_conn, merge_id=merge_id)
    items = reviews.list_reviews(pg_conn)
    assert len(items) == 2 and {i.candidate_person_id for i in items} == {retired}
    together = threading.Barrier(2, timeout=10)
    original, first = repository.lock_persons, threading.local()

    def lock_together(*args: Any, **kwargs: Any) -> Any:
        if not getattr(first, "done", False):  # both reviewers reach their first lock together
            first.done = True
            together.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(repository, "lock_persons", lock_together)
    outcomes: dict[str, Any] = {}

    def accept(item: reviews.ReviewItem) -> None:
        with _connect(stack, pg_schema) as own:
            try:
                outcomes[item.source_key] = reviews.accept(own, item.review_id, decided_by="u")
            except psycopg.Error as exc:
                outcomes[item.source_key] = type(exc).__name__

    threads = [threading.Thread(target=accept, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {key: [c["kind"] for c in v] for key, v in outcomes.items()} == {
        "SC1:S1": ["LINK"],
        "SC1:S2": ["LINK"],
    }
