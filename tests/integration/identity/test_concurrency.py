"""Two workers seeing the same new person at the same moment create one person, not two."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest

from deploy.local import StackSettings
from streams.identity import repository
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
