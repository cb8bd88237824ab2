"""``mcr demo``'s processes: the streams stages as two workers (identity, and linked: consent
with de-identification), every worker on its own metrics port (movable), and ``down`` stopping
the single streams worker an earlier version started."""

from __future__ import annotations

import sys
from pathlib import Path

from typer.testing import CliRunner

from deploy.local import process
from deploy.local.settings import StackSettings
from mcr.cli import app
from mcr.demo import LEGACY_WORKERS, metrics_ports, worker_specs


def test_the_streams_stages_run_as_an_identity_and_a_linked_worker() -> None:
    """Two streams processes, one per stage group, and no worker running every stage."""
    specs = {s.name: s.args for s in worker_specs(StackSettings.from_env({}))}
    assert specs == {
        "streams-identity": ("streams", "worker", "--stage", "identity"),
        "streams-linked": ("streams", "worker", "--stage", "linked"),
        "record": ("record", "run"),
        "planning": ("planning", "run"),
        "api": ("api", "serve"),
    }
    assert {s.name for s in LEGACY_WORKERS}.isdisjoint(specs)


def test_each_worker_gets_its_own_metrics_port_from_9464() -> None:
    """Identity keeps 9464 (where the one streams worker was); linked takes 9468."""
    specs = worker_specs(StackSettings.from_env({}))
    ports = {s.name: int(s.env["MCR_METRICS_PORT"]) for s in specs}
    assert ports == {"streams-identity": 9464, "record": 9465, "api": 9466, "planning": 9467,
                     "streams-linked": 9468}  # fmt: skip


def test_the_metrics_ports_move_with_the_stack_variable() -> None:
    """MCR_DEMO_METRICS_PORT moves every port, so a second stack's demo does not collide."""
    settings = StackSettings.from_env({"MCR_DEMO_METRICS_PORT": "45464"})
    assert sorted(metrics_ports(settings).values()) == [45464, 45465, 45466, 45467, 45468]


def test_down_also_stops_the_single_streams_worker_of_an_earlier_version(tmp_path: Path) -> None:
    """A ``streams`` pid file left by the one-process layout is not left running as an orphan."""
    folder = tmp_path / "workers"
    folder.mkdir()
    pid = process.spawn([sys.executable, "-c", "import time; time.sleep(60)"],
                        log_file=folder / "streams.log", pid_file=folder / "streams.pid",
                        cwd=tmp_path)  # fmt: skip
    assert process.is_alive(pid)
    result = CliRunner().invoke(app, ["demo", "down"], env={"MCR_RUN_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert not process.is_alive(pid)
