"""``mcr bench e2e`` against the real stack: a tiny run that must give sane, complete numbers,
leave nothing behind, and fail loudly (with the worker's log) when a worker cannot start."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import psycopg
import pytest
from confluent_kafka.admin import AdminClient

from consumers.ops.bench import E2eOptions, WorkerExitedError, run_e2e_bench
from consumers.ops.bench.events import region_events
from deploy.local import StackSettings
from tests.integration.bench.command import run_bench

# A load run: `make bench` runs it before the benchmarks; `make test` leaves it out.
pytestmark = pytest.mark.bench

TINY = ["--events", "300", "--latency-seconds", "2", "--rate", "500", "--json"]


def _leftovers(stack: StackSettings, tag: str) -> list[str]:
    """Topics, consumer groups, schemas and indices still named after run ``tag``."""
    from opensearchpy import OpenSearch

    admin = AdminClient(stack.kafka_admin.config())
    found = [t for t in admin.list_topics(timeout=30).topics if tag in t]
    found += [g.group_id for g in admin.list_consumer_groups().result().valid if tag in g.group_id]
    with psycopg.connect(stack.postgres_dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (f"%{tag}%",))
        found += [row[0] for row in rows.fetchall()]
    client = OpenSearch(hosts=[stack.opensearch_url], ca_certs=str(stack.opensearch_ca_file))
    found += list(client.indices.get(index=f"*{tag}*", params={"expand_wildcards": "all"}))
    client.close()
    return found


@pytest.fixture(scope="module")
def tiny_command(stack: StackSettings) -> subprocess.CompletedProcess[str]:
    """One tiny ``mcr bench e2e --json`` run as a real command."""
    return run_bench("e2e", *TINY, timeout_s=180)


@pytest.fixture(scope="module")
def tiny_run(tiny_command: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The tiny run's last stdout line, parsed."""
    last = tiny_command.stdout.strip().splitlines()[-1]
    return dict(json.loads(last))


def test_headline_numbers_are_present_and_sane(tiny_run: dict[str, Any]) -> None:
    """The last line holds every headline field with plausible values."""
    result = tiny_run
    assert result["events"] == 300
    assert result["events_per_s"] > 0
    assert result["baseline_events_per_s"] > 0
    assert result["fraction_of_baseline"] == pytest.approx(
        result["events_per_s"] / result["baseline_events_per_s"], abs=0.001
    )
    assert 0 < result["latency_p50_ms"] <= result["latency_p99_ms"] < 30_000
    assert result["limiting_stage"] in {
        "produce", "identity", "consent", "projection", "settle_and_refresh",
    }  # fmt: skip
    assert next(iter(result)) == "fraction_of_baseline"  # the lead: comparable across days
    starvation = result["starvation"]
    assert set(starvation["longest_stall_s"]) == {"identity", "consent", "projection"}
    assert all(0 <= s < result["throughput"]["seconds"] + 1
               for s in starvation["longest_stall_s"].values())  # fmt: skip
    assert result["no_stage_starves"] == (max(starvation["longest_stall_s"].values()) < 5.0)


def test_every_event_is_accounted_for_and_every_shared_one_is_searchable(
    tiny_run: dict[str, Any],
) -> None:
    """Each source event is linked, held or dead-lettered; each linked one shared or kept back
    by consent; every event has exactly one outcome, none unaccounted; every document of what
    was shared and not purged is searchable, and nothing consent removed is."""
    throughput = tiny_run["throughput"]
    assert throughput["linked"] + throughput["held"] + throughput["dead_letters"] == 300
    assert throughput["shared"] + throughput["kept_back"] == throughput["linked"]
    assert throughput["kept_back"] == sum(throughput["kept_back_by_reason"].values())
    assert throughput["kept_back_by_reason"].get("consent-event", 0) > 0
    outcomes = throughput["events_by_outcome"]
    assert sum(outcomes.values()) == 300
    assert outcomes["searchable"] + outcomes["purged"] == throughput["shared"]
    assert outcomes["kept-back"] == throughput["kept_back"]
    assert outcomes["held"] == throughput["held"]
    assert throughput["unaccounted"] == outcomes["unaccounted"] == 0
    assert throughput["unreadable_messages"] == 0
    assert throughput["expected_documents"] > 0
    assert throughput["searchable_documents"] == throughput["expected_documents"]
    assert throughput["missing_documents"] == 0
    assert throughput["leaked_documents"] == 0


def test_latency_samples_are_seen_or_explained(tiny_run: dict[str, Any]) -> None:
    """Every latency sample was seen, or is missing for a known reason: held in the MPI, or
    kept back or purged by consent."""
    latency = tiny_run["latency"]
    assert latency["samples"] > 0
    assert latency["seen"] + latency["missing"] == latency["samples"]
    assert all(reason.startswith(("held:", "consent:")) for reason in latency["missing_by_reason"])
    assert latency["p50_ms"] <= latency["p90_ms"] <= latency["p99_ms"] <= latency["max_ms"]


def test_stage_profile_covers_each_stage(tiny_run: dict[str, Any]) -> None:
    """The profile has produce, identity, consent and projection, each having finished its
    input: consent every linked event (and the identity changes), the projection everything
    that reached mcr.shared (shared events and purge commands)."""
    stages, throughput = tiny_run["stages"], tiny_run["throughput"]
    assert set(stages) == {"produce", "identity", "consent", "projection"}
    assert stages["produce"]["events"] == stages["identity"]["events"] == 300
    assert stages["consent"]["events"] > throughput["linked"]
    assert stages["projection"]["events"] == throughput["shared"] + throughput["purges"]
    assert all(stage["done_s"] > 0 for stage in stages.values())
    assert list(throughput["time_split_s"]) == [
        "produce", "identity", "consent", "projection", "settle_and_refresh",
    ]  # fmt: skip


def test_run_leaves_nothing_behind(tiny_run: dict[str, Any], stack: StackSettings) -> None:
    """Topics (mcr.shared included), groups, the schema (MPI and consent tables) and the
    indices of the run are all removed."""
    assert _leftovers(stack, tiny_run["config"]["run_tag"]) == []


def test_a_worker_that_cannot_start_fails_the_run_with_its_log(
    stack: StackSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An identity worker refusing its settings stops the run with its log tail, not a hang."""
    monkeypatch.setenv("MCR_IDENTITY_BATCH", "0")
    options = E2eOptions(events=50, latency_seconds=0.1, catch_up_timeout_s=60)

    with pytest.raises(WorkerExitedError, match=r"identity worker exited(.|\n)*MCR_IDENTITY_BATCH"):
        run_e2e_bench(options, stack=stack)


def test_output_holds_no_personal_data(tiny_command: subprocess.CompletedProcess[str]) -> None:
    """Neither the JSON nor the progress log names a person, NHS number or birth date."""
    events = region_events(300, seed=E2eOptions().seed).events
    output = tiny_command.stdout + tiny_command.stderr
    patients = [e.payload for e in events if e.record_type.value == "patient"]
    personal = {p["family_name"] for p in patients if p.get("family_name")}
    personal |= {p["header"]["nhs_number"] for p in patients if p["header"].get("nhs_number")}
    personal |= {p["birth_date"].isoformat() for p in patients if p.get("birth_date")}

    assert len(personal) > 10
    assert [value for value in personal if value in output] == []
