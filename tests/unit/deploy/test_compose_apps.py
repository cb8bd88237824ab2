"""The compose file's application services: one image built from deploy/container/Dockerfile,
the same stage commands as the Kubernetes Deployments, and its missing security stated."""

from __future__ import annotations

from typing import Any

import yaml

from deploy.local.settings import PROJECT_ROOT

COMPOSE = PROJECT_ROOT / "deploy" / "compose.yaml"
STAGES = {
    "streams-identity": ["streams", "worker", "--stage", "identity"],
    "streams-linked": ["streams", "worker", "--stage", "linked"],
    "record": ["record", "run"],
    "api": ["api", "serve"],
}


def _services() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())["services"]
    return services


def test_the_stages_run_from_the_projects_image() -> None:
    services = _services()
    assert set(STAGES) <= set(services)
    built = [s for s in services.values() if "build" in s]
    assert built == [services["streams-identity"]]
    assert built[0]["build"] == {"context": "..", "dockerfile": "deploy/container/Dockerfile"}
    assert (COMPOSE.parent / ".." / "deploy" / "container" / "Dockerfile").exists()
    assert {services[name]["image"] for name in STAGES} == {"mycarerecord:dev"}
    for name, command in STAGES.items():
        assert services[name]["command"][: len(command)] == command


def test_the_stages_use_the_same_commands_as_the_cluster() -> None:
    deployments = [
        d
        for path in (PROJECT_ROOT / "deploy" / "k8s" / "apps").glob("*.yaml")
        for d in yaml.safe_load_all(path.read_text())
        if d and d["kind"] == "Deployment"
    ]
    cluster = " ".join(
        " ".join(d["spec"]["template"]["spec"]["containers"][0]["args"]) for d in deployments
    )
    for command in STAGES.values():
        assert "mcr --log-json " + " ".join(command) in cluster


def test_the_api_reads_its_audit_key_from_a_secret_file_and_stays_on_loopback() -> None:
    api = _services()["api"]
    assert api["environment"]["MCR_AUDIT_KEY_FILE"] == "/run/secrets/audit_key"
    assert api["command"][-2:] == ["--host", "127.0.0.1"]
    for name in STAGES:
        for key in _services()[name]["environment"]:
            assert "PASSWORD" not in key and "DSN" not in key, (name, key)


def test_the_linked_stage_reads_its_planning_key_from_a_secret_file() -> None:
    """De-identification needs the planning key: a compose secret, never a value here; the
    two streams processes serve metrics on different ports (one host network)."""
    services = _services()
    linked = services["streams-linked"]
    assert linked["environment"]["MCR_PLANNING_KEY_FILE"] == "/run/secrets/planning_key"
    assert linked["secrets"] == ["planning_key"]
    ports = {services[n]["environment"]["MCR_METRICS_PORT"] for n in STAGES}
    assert len(ports) == len(STAGES)
    assert "streams" not in services  # no worker running every stage beside the split ones


def test_the_file_says_it_is_not_secured_and_what_it_lacks() -> None:
    head = COMPOSE.read_text().split("name: mycarerecord")[0]
    assert "DEVELOPMENT CONVENIENCE" in head and "NOT SECURED" in head
    for missing in ("TLS", "SCRAM", "ACLs", "security plugin", "trust authentication"):
        assert missing in head, missing
