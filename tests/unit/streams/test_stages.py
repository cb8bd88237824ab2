"""Which agents and which consumer group each ``mcr streams worker --stage`` runs."""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from streams.stages import ALL, STAGES, agent_modules, group_of, stages_of


def test_all_runs_every_stage_in_pipeline_order() -> None:
    assert stages_of(ALL) == ("identity", "consent", "deid")
    assert agent_modules(ALL) == [
        "streams.identity.agents",
        "streams.consent.agents",
        "streams.deid.agents",
    ]


@pytest.mark.parametrize("stage", ["identity", "consent", "deid"])
def test_one_stage_runs_only_its_own_agents(stage: str) -> None:
    assert agent_modules(stage) == [f"streams.{stage}.agents"]  # type: ignore[arg-type]


def test_linked_runs_consent_and_deid_together() -> None:
    assert stages_of("linked") == ("consent", "deid")
    assert agent_modules("linked") == ["streams.consent.agents", "streams.deid.agents"]
    assert group_of("mcr-streams", "linked") == "mcr-streams-linked"


def test_identity_keeps_the_application_id_and_the_others_get_their_own_groups() -> None:
    """Identity's committed source offsets survive a move from one process to split stages;
    consent and de-identification never share a group with identity or each other."""
    assert group_of("mcr-streams", ALL) == "mcr-streams"
    assert group_of("mcr-streams", "identity") == "mcr-streams"
    groups = {group_of("mcr-streams", s) for s in ("identity", "consent", "deid")}
    assert groups == {"mcr-streams", "mcr-streams-consent", "mcr-streams-deid"}


def test_every_group_is_under_the_application_id_prefix() -> None:
    """The Kafka ACLs grant the streams principal groups prefixed with the application id."""
    assert all(group_of("a1", s).startswith("a1") for s in STAGES)


_DISCOVER = """
import sys
from streams import app as streams_app
from streams.settings import WorkerSettings
settings = WorkerSettings.from_env({"MCR_STREAMS_APP_ID": "t-stages",
    "MCR_KAFKA_BOOTSTRAP": "127.0.0.1:9", "MCR_KAFKA_SECURITY_PROTOCOL": "PLAINTEXT",
    "MCR_PLANNING_KEY_FILE": sys.argv[2]})
app = streams_app.configure(settings, sys.argv[1])
app.finalize()
app.discover()
print(app.conf.id, *sorted(agent.name.rsplit(".", 1)[-1] for agent in app.agents.values()))
"""


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        ("identity", ["t-stages", "identify"]),
        ("consent", ["t-stages-consent", "follow_identity_changes", "share"]),
        ("deid", ["t-stages-deid", "deidentify", "follow_identity_for_planning"]),
        (
            "linked",
            [
                "t-stages-linked",
                "deidentify",
                "follow_identity_changes",
                "follow_identity_for_planning",
                "share",
            ],
        ),
    ],
)
def test_a_one_stage_worker_declares_only_its_own_agents(
    stage: str, expected: list[str], tmp_path: Path
) -> None:
    """faust scans an app's ``origin`` package as well as the listed modules: a one-stage
    worker must not pick up (and run, in its own group) every other stage's agents."""
    key = tmp_path / "planning.key"
    key.write_text(secrets.token_hex(32))  # as the stack makes it (random raw bytes may end in
    # whitespace, which the reader strips: 1 run in ~11 failed on a key cut below 32 bytes)
    found = subprocess.run(
        [sys.executable, "-c", _DISCOVER, stage, str(key)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert found.returncode == 0, found.stderr[-2000:]
    assert found.stdout.splitlines()[-1].split() == expected  # after the log lines
