"""Two processes making the same schema at once, on the real PostgreSQL: the consent and
de-identification stages share the consent schema and, run as separate workers, open it on
their first events at the same moment. ``CREATE SCHEMA IF NOT EXISTS`` alone refused one of
them about half the time (a unique violation on pg_namespace), which crashed that stage's
agent and left its first batch unprocessed until a restart."""

from __future__ import annotations

import threading
import uuid

import psycopg

from deploy.local import StackSettings
from mcr.core.postgres import schema_connection

DDL = "CREATE TABLE IF NOT EXISTS notes (id integer PRIMARY KEY)"
LOCK_ID = 7_300_001
ATTEMPTS = 15


def _race(dsn: str, schema: str) -> list[BaseException]:
    """Two threads open ``schema`` at the same moment; the errors they met."""
    start, errors = threading.Barrier(2), []

    def open_it() -> None:
        start.wait()
        try:
            schema_connection(dsn, schema, ddl=DDL, lock_id=LOCK_ID).close()
        except BaseException as exc:  # collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_openers_of_a_new_schema_at_once_both_get_it(stack: StackSettings) -> None:
    schemas = [f"mcr_race_{uuid.uuid4().hex[:10]}" for _ in range(ATTEMPTS)]
    try:
        failures = {schema: _race(stack.consent_dsn, schema) for schema in schemas}
        assert {s: [type(e).__name__ for e in errs] for s, errs in failures.items() if errs} == {}
        with psycopg.connect(stack.consent_dsn, autocommit=True) as conn:
            for schema in schemas:
                found = conn.execute(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = %s AND tablename = 'notes'",
                    (schema,),
                ).fetchone()
                assert found == (1,)
    finally:
        with psycopg.connect(stack.consent_dsn, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
