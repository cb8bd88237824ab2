"""The identity benchmark on a tiny region: complete, consistent numbers and nothing left over."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from confluent_kafka.admin import AdminClient

from consumers.ops.bench.identity import run_identity_bench
from deploy.local import StackSettings

EVENTS = 600


def _leftovers(stack: StackSettings) -> set[str]:
    """Sandbox topics and benchmark or sandbox schemas that exist now."""
    admin = AdminClient(stack.kafka_admin.config())
    found = {t for t in admin.list_topics(timeout=30).topics if t.startswith("sandbox.")}
    with psycopg.connect(stack.postgres_dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'mcr_bench%' "
            "OR nspname LIKE 'mcr_sandbox%'"
        )
        found |= {row[0] for row in rows}
    return found


@pytest.fixture(scope="module")
def result(stack: StackSettings) -> tuple[dict[str, Any], set[str], set[str]]:
    """One tiny benchmark run, with what existed before and after it."""
    before = _leftovers(stack)
    found = run_identity_bench(
        events=EVENTS, kafka=stack.kafka_admin, postgres_dsn=stack.postgres_dsn
    )
    return found, before, _leftovers(stack)


def test_resolver_passes_route_every_event(result: tuple[dict[str, Any], Any, Any]) -> None:
    """Both resolver passes route all events, mostly linked, at a measured rate."""
    found = result[0]
    assert found["events"] == EVENTS and sum(found["mix"].values()) == EVENTS
    for name in ("new", "known"):
        routes = found["resolver"][name]["routes"]
        assert sum(routes.values()) == EVENTS and routes["linked"] > EVENTS * 0.9
        assert found["resolver"][name]["events_per_s"] > 0
    assert found["resolver"]["persons"] <= found["resolver"]["records"] > 0


def test_live_passes_drain_the_backlog_through_a_worker(
    result: tuple[dict[str, Any], Any, Any],
) -> None:
    """A real worker linked (or held) every event in both passes."""
    live = result[0]["live"]
    for name in ("new", "known"):
        assert live[name]["complete"] is True
        assert live[name]["linked"] > EVENTS * 0.9 and live[name]["events_per_s"] > 0


def test_nothing_is_left_behind(result: tuple[dict[str, Any], set[str], set[str]]) -> None:
    """The sandbox topics and the throwaway schemas are gone afterwards."""
    _, before, after = result
    assert after <= before
