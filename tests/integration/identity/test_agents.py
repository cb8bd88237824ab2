"""Agent wiring: what the identity agent and the outbox drain send (faust test context)."""

from __future__ import annotations

import asyncio
import time
from typing import Any
from unittest.mock import AsyncMock

import psycopg
import pytest
from structlog.testing import capture_logs

from deploy.local import StackSettings
from schemas.codec import decode_record
from schemas.events import organisation_topic
from streams import worker
from streams.identity import agents
from streams.identity.settings import IdentitySettings
from tests.unit.streams.identity.people import ANNA, patient_event, result_event


class _Delivered:
    """Stands in for a send's delivery future: already delivered."""

    def __await__(self) -> Any:
        return iter(())


@pytest.fixture
def sent(
    stack: StackSettings, pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> dict[str, AsyncMock]:
    """Agents on a fresh MPI schema, with their Kafka sends captured."""
    agents.configure(IdentitySettings(postgres_dsn=stack.postgres_dsn, schema_name=pg_schema))
    mocks = {
        name: AsyncMock(return_value=_Delivered())
        for name in ("send_linked", "send_dlq", "send_change")
    }
    for name, mock in mocks.items():
        monkeypatch.setattr(agents, name, mock)
    # The test context names one topic: ANNA's organisation's, so her events pass the org check.
    monkeypatch.setattr(agents.source_topic, "topics", [organisation_topic(ANNA.org)])
    return mocks


async def _feed(*values: bytes) -> list[Any]:
    async with agents.identify.test_context() as agent:
        for value in values:
            await agent.put(value, key=b"RD8:H100")
        return list(agent.results.values())


def test_identify_routes_and_never_logs_phi(sent: dict[str, AsyncMock]) -> None:
    """Linked events are sent with the original bytes, junk is dead-lettered, logs hold counts."""
    values = (patient_event(), result_event(), b"junk")
    with capture_logs() as logs:
        results = asyncio.run(_feed(*values))
    assert results == ["linked", "linked", "dlq"]
    (first, second) = sent["send_linked"].await_args_list
    assert first.args[0] == second.args[0] and first.args[1] == values[0]
    assert sent["send_dlq"].await_args.args[1] == b"junk"
    text = repr(logs)
    for phi in ("Anna", "Kowalski", "1984", "LU1", ANNA.nhs_number or "x", "High Street"):
        assert phi not in text
    batches = [entry for entry in logs if entry["event"] == "identity batch routed"]
    assert sum(b["sent"] for b in batches) == 2 and sum(b["failed"] for b in batches) == 1


def test_drain_outbox_publishes_changes_once(
    sent: dict[str, AsyncMock], pg_conn: psycopg.Connection[Any]
) -> None:
    """The outbox drain publishes each identity change once, encoded with its schema."""
    asyncio.run(_feed(patient_event()))
    assert asyncio.run(agents.drain_outbox()) == 1
    assert asyncio.run(agents.drain_outbox()) == 0
    (change,) = [c.args[0] for c in sent["send_change"].await_args_list]
    assert change["kind"] == "NEW_PERSON" and change["source_keys"] == ["RD8:H100"]
    assert decode_record(agents.encode_record("identity_change", change)).payload["kind"] == (
        "NEW_PERSON"
    )


class _ExitingWorker:
    """Stands in for a faust worker that was stopped: it exits at once."""

    def execute_from_commandline(self) -> None:
        raise SystemExit(0)


def _backend_alive(conn: psycopg.Connection[Any], pid: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        found = conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
        if found is None:
            return False
        time.sleep(0.05)
    return True


def test_worker_exit_closes_the_mpi_pool(
    sent: dict[str, AsyncMock], pg_conn: psycopg.Connection[Any]
) -> None:
    """When the faust worker exits, the MPI pool's database connections are closed."""
    pool = agents.DATABASE.pool
    assert pool is not None
    with pool.connection() as conn:
        pid = conn.info.backend_pid
    with pytest.raises(SystemExit):
        worker.execute(_ExitingWorker())
    assert _backend_alive(pg_conn, pid) is False
