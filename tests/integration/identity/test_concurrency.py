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
            stack.postgres_dsn, autocommit=True, options=f"-c search_path={schema}"
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
            stack.postgres_dsn, autocommit=True, options=f"-c search_path={schema}"
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
        stack.postgres_dsn, autocommit=True, options=f"-c search_path={pg_schema}"
    ) as merger:
        with merger.transaction():  # the merge's locks are held until this block commits
            merges.merge(merger, survivor=survivor, retired=retired, rule="operator")
            thread = _in_thread(stack, pg_schema, pid, decide)
            _wait_until_blocked(pg_conn, pid)
        thread.join(timeout=30)
    assert repository.link_of(pg_conn, "LAB", "L1")[0] == survivor
