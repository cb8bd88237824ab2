"""Agent wiring of the consent stage (faust test context): what it sends, and logs without
PHI."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from unittest.mock import AsyncMock

import pytest
from structlog.testing import capture_logs

from deploy.local import StackSettings
from schemas.commands import COMMAND_HEADER
from streams.consent import agents
from streams.consent.gate import Outgoing, Target
from streams.consent.repository import connect
from tests.unit.projections.builders import identity_change, linked, patient_event, result_event
from tests.unit.streams.consent.builders import consent_event


class _Delivered:
    """Stands in for a send's delivery future: already delivered."""

    def __await__(self) -> Any:
        return iter(())


@pytest.fixture
def sent(
    stack: StackSettings, consent_schema: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AsyncMock]:
    """The agents on fresh consent tables (the consent role's), with their sends captured."""
    agents.DATABASE.reconfigure(
        dsn=stack.consent_dsn,
        schema=consent_schema,
        prepare=lambda: connect(stack.consent_dsn, consent_schema).close(),
    )
    mock = AsyncMock(return_value=_Delivered())
    monkeypatch.setattr(agents, "send", mock)
    yield mock
    agents.DATABASE.close()


async def _feed_linked(*messages: tuple[bytes, bytes, list[tuple[str, bytes]]]) -> None:
    async with agents.share.test_context() as agent:
        for key, value, headers in messages:
            await agent.put(value, key=key, headers=headers)


def _sent(mock: AsyncMock) -> list[Outgoing]:
    return [call.args[0] for call in mock.await_args_list]


def test_share_forwards_keeps_back_and_purges_without_logging_phi(sent: AsyncMock) -> None:
    """A result passes unchanged; the objection sends a purge; the next result is kept back;
    the log has counts per reason and no name, NHS number or birth date."""
    before = linked(result_event(source_record_id="R1"), "P1")
    with capture_logs() as logs:
        asyncio.run(
            _feed_linked(
                linked(patient_event(family_name="Quixotelle"), "P1"),
                before,
                linked(consent_event(), "P1"),
                linked(result_event(source_record_id="R2"), "P1"),
            )
        )
    out = _sent(sent)
    assert [o.target for o in out] == [Target.SHARED] * 3
    assert out[1].value == before[1] and out[1].headers == before[2]
    assert dict(out[2].headers)[COMMAND_HEADER] == b"purge-person"
    text = repr(logs)
    for phi in ("Quixotelle", "Alexa", "1970-01-01", "LU1 1AA", "9990000"):
        assert phi not in text
    kept = [e["kept_back"] for e in logs if e["event"] == "consent batch decided"]
    assert sum(k.get("objection", 0) for k in kept) == 1


def test_follow_identity_changes_purges_after_a_merge_into_an_objector(sent: AsyncMock) -> None:
    """A merge into a person who objects purges both persons and the moved records."""

    async def feed() -> None:
        await _feed_linked(linked(consent_event(), "P2"))
        async with agents.follow_identity_changes.test_context() as agent:
            await agent.put(identity_change("MERGE", "P2", previous="P1", source_keys=("RC9:X",)))

    asyncio.run(feed())
    purged = sorted(o.key for o in _sent(sent) if dict(o.headers).get(COMMAND_HEADER))
    # the objection's own purge; then survivor, retired, and the moved records on both
    assert purged == [b"P1", b"P1", b"P2", b"P2", b"P2"]
