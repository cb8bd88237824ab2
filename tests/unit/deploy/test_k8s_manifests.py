"""The Kubernetes manifests (deploy/k8s): generated from the project's tables, valid against
the Kubernetes and Strimzi models offline, and holding the rules docs/deployment.md promises.

The Strimzi check runs Java on Strimzi's model jars (fetched from Maven Central into the cache
on first use); both validators are also shown to reject broken manifests."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy.k8s import generate, validation
from deploy.local.settings import PROJECT_ROOT, StackSettings
from mcr.core.kafka_acls import (
    ADMIN,
    STREAMS_APP_ID,
    Acl,
    Op,
    Pattern,
    Resource,
    component_acls,
    organisation_acls,
    organisation_principal,
)
from schemas.events import LINKED_TOPIC, SOURCE_TOPIC_PREFIX
from streams.stages import group_of

K8S = PROJECT_ROOT / "deploy" / "k8s"
STREAMS_STAGES = {"mcr-streams-identity": "identity", "mcr-streams-linked": "linked"}
"""Each streams Deployment and the ``--stage`` it runs."""
BROKEN = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: misspelt}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      containers:
        - {name: c, image: i, livenesProbe: {httpGet: {path: /live, port: 9464}}}
---
apiVersion: v1
kind: Service
metadata: {name: wrong-type}
spec:
  ports: [{port: "eighty"}]
---
apiVersion: example.com/v1
kind: Unchecked
metadata: {name: nobody-checks-this}
---
apiVersion: kafka.strimzi.io/v1
kind: KafkaUser
metadata: {name: misplaced}
spec:
  authentication: {type: scram-sha-512}
  authorization:
    type: simple
    acls:
      - resource: {type: topic, name: mcr.linked, patternType: literal}
        operations: [Read]
        hosst: "*"
---
apiVersion: kafka.strimzi.io/v1
kind: KafkaTopic
metadata: {name: bad-type}
spec: {partitions: many}
---
apiVersion: kafka.strimzi.io/v1
kind: KafkaUser
metadata: {name: weak}
spec:
  authentication: {type: scram-sha-256}
"""


def _docs(*parts: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(K8S.joinpath(*parts).read_text()) if d]


def _all_docs() -> list[dict[str, Any]]:
    return [d for p in validation.manifest_files() for d in yaml.safe_load_all(p.read_text()) if d]


def _kind(kind: str) -> list[dict[str, Any]]:
    return [d for d in _all_docs() if d["kind"] == kind]


@pytest.fixture(scope="module")
def cache_dir() -> Path:
    return StackSettings.from_env().cache_dir


# --- generated from the tables --------------------------------------------------------------


def test_checked_in_topics_and_users_are_what_the_tables_generate() -> None:
    assert K8S.joinpath("kafka", "users.yaml").read_text() == generate.render_users()
    assert K8S.joinpath("kafka", "topics.yaml").read_text() == generate.render_topics()
    assert generate.main(["--check"]) == 0


def test_the_check_fails_when_a_generated_file_was_edited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("users.yaml", "topics.yaml"):
        tmp_path.joinpath(name).write_text(K8S.joinpath("kafka", name).read_text())
    monkeypatch.setattr(generate, "_OUT", tmp_path)
    assert generate.main(["--check"]) == 0
    edited = tmp_path / "users.yaml"
    edited.write_text(edited.read_text().replace("- Describe\n", "- Alter\n", 1))
    assert generate.main(["--check"]) == 1


def _acls_in_users_yaml() -> dict[str, set[Acl]]:
    held: dict[str, set[Acl]] = {}
    for user in _docs("kafka", "users.yaml"):
        name = user["metadata"]["name"]
        rows = held.setdefault(name, set())
        for rule in user["spec"].get("authorization", {}).get("acls", []):
            res = rule["resource"]
            pattern = Pattern.LITERAL if res["patternType"] == "literal" else Pattern.PREFIXED
            for op in rule["operations"]:
                rows.add(
                    Acl(name, Resource(res["type"].upper()), pattern, res["name"], Op(op.upper()))
                )
    return held


def test_each_user_holds_exactly_its_rows_of_the_acl_table() -> None:
    held = _acls_in_users_yaml()
    table = component_acls()
    org = generate.EXAMPLE_ORGANISATION
    org_user = generate.kubernetes_name(organisation_principal(org))
    expected = {
        p: {a for a in table if a.principal == p}
        for p in {a.principal for a in table} - {"mcr-bench"}
    }
    expected[ADMIN] = set()  # a super user (cluster.yaml), no ACLs of its own
    expected[org_user] = {
        Acl(org_user, a.resource, a.pattern, a.name, a.op) for a in organisation_acls(org)
    }
    assert held == expected
    assert org_user == "org-rc9"  # Kubernetes names are lower case (docs/deployment.md)


def test_every_user_authenticates_with_scram_sha_512_and_the_admin_is_the_only_super_user() -> None:
    users = _docs("kafka", "users.yaml")
    assert {u["spec"]["authentication"]["type"] for u in users} == {"scram-sha-512"}
    (kafka,) = [d for d in _docs("kafka", "cluster.yaml") if d["kind"] == "Kafka"]
    assert kafka["spec"]["kafka"]["authorization"] == {"type": "simple", "superUsers": [ADMIN]}
    (listener,) = kafka["spec"]["kafka"]["listeners"]
    assert listener["tls"] is True
    assert listener["authentication"]["type"] == "scram-sha-512"


def test_kafka_keeps_three_copies_and_acknowledges_two() -> None:
    (kafka,) = [d for d in _docs("kafka", "cluster.yaml") if d["kind"] == "Kafka"]
    config = kafka["spec"]["kafka"]["config"]
    assert config["default.replication.factor"] == 3
    assert config["min.insync.replicas"] == 2
    assert config["auto.create.topics.enable"] is False
    topics = _docs("kafka", "topics.yaml")
    assert {t["spec"]["replicas"] for t in topics} == {3}


def test_source_and_linked_topics_are_kept_forever() -> None:
    topics = {t["spec"]["topicName"]: t["spec"] for t in _docs("kafka", "topics.yaml")}
    kept = [n for n in topics if n.startswith(SOURCE_TOPIC_PREFIX) or n == LINKED_TOPIC]
    assert len(kept) >= 3  # linked, the viewer-asserted source, the example organisation
    for name in kept:
        assert topics[name]["config"]["retention.ms"] == -1, name
        assert topics[name]["config"]["retention.bytes"] == -1, name


# --- offline validation --------------------------------------------------------------------


def test_core_kinds_are_valid_kubernetes() -> None:
    assert validation.core_problems(validation.manifest_files()) == []


def test_strimzi_kinds_are_valid_strimzi(cache_dir: Path) -> None:
    assert validation.strimzi_problems(validation.manifest_files(), cache_dir=cache_dir) == []


def test_the_validators_reject_broken_manifests(tmp_path: Path, cache_dir: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN)
    core = validation.core_problems([broken])
    strimzi = validation.strimzi_problems([broken], cache_dir=cache_dir)
    assert [line.split(":")[0] for line in core] == [
        "broken.yaml #1 (Deployment)",
        "broken.yaml #2 (Service)",
        "broken.yaml #3 (Unchecked)",
    ]
    assert "livenesProbe" in core[0]
    assert [line.split(" (")[0].rsplit("/", 1)[-1] for line in strimzi] == [
        "broken.yaml #4",
        "broken.yaml #5",
        "broken.yaml #6",
    ]
    assert "hosst" in strimzi[0]


# --- what the deployment promises ----------------------------------------------------------


def _pod_specs() -> list[tuple[str, dict[str, Any]]]:
    return [
        (d["metadata"]["name"], d["spec"]["template"]["spec"])
        for d in _all_docs()
        if d["kind"] in {"Deployment", "StatefulSet"}
    ]


def test_every_pod_runs_as_non_root_without_privileges() -> None:
    for name, pod in _pod_specs():
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["automountServiceAccountToken"] is False, name
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert container["resources"]["requests"] and container["resources"]["limits"], name


def test_no_secret_is_an_environment_literal() -> None:
    secretish = ("PASSWORD", "DSN", "SECRET", "TOKEN", "OPENSEARCH_URL")
    for name, pod in _pod_specs():
        for container in pod["containers"]:
            for env in container.get("env", []):
                if any(word in env["name"] for word in secretish):
                    assert env["name"].endswith("_FILE"), (name, env["name"])
    for config in _kind("ConfigMap"):
        for key, value in config["data"].items():
            assert "://" not in value or "@" not in value, key  # no URL with credentials


def test_each_stage_gets_its_own_store_credentials_and_never_the_shared_dsn() -> None:
    """The stages read one DSN per database role and one OpenSearch user each
    (docs/security-stores.md); ``MCR_POSTGRES_DSN`` (the operators' role) goes to no stage."""
    wants = {
        "mcr-streams-identity": {"MCR_IDENTITY_DSN"},
        "mcr-streams-linked": {"MCR_CONSENT_DSN"},
        "mcr-record": {"MCR_OPENSEARCH_URL", "MCR_RECORD_DSN"},
        "mcr-planning": {"MCR_PLANNING_DSN"},
        "mcr-api": {"MCR_API_DSN", "MCR_API_AUDIT_DSN", "MCR_API_AUDIT_ADMIN_DSN",
                    "MCR_API_OPENSEARCH_URL"},
    }  # fmt: skip
    deployments = {d["metadata"]["name"]: d for d in _kind("Deployment")}
    for name, variables in wants.items():
        (container,) = deployments[name]["spec"]["template"]["spec"]["containers"]
        exported = set(re.findall(r"export (MCR_[A-Z_]+)=", " ".join(container["args"])))
        assert exported == variables, name
    shared = {key for c in _kind("ConfigMap") for key in c.get("data", {})}
    assert "MCR_OPENSEARCH_CA_FILE" in shared and "MCR_POSTGRES_DSN" not in shared


def test_the_stages_probe_live_and_ready_on_the_metrics_port() -> None:
    stages = {"mcr-streams-identity": "streams worker --stage identity",
              "mcr-streams-linked": "streams worker --stage linked", "mcr-record": "record run",
              "mcr-planning": "planning run", "mcr-api": "api serve"}  # fmt: skip
    deployments = {d["metadata"]["name"]: d for d in _kind("Deployment")}
    assert set(stages) <= set(deployments)
    for name, command in stages.items():
        (container,) = deployments[name]["spec"]["template"]["spec"]["containers"]
        assert f"exec mcr --log-json {command}" in " ".join(container["args"])
        assert container["livenessProbe"]["httpGet"] == {"path": "/live", "port": "metrics"}
        assert container["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "metrics"}
        assert {"name": "metrics", "containerPort": 9464} in container["ports"]


def test_workers_scale_by_lag_up_to_the_partition_count() -> None:
    hpas = {
        h["spec"]["scaleTargetRef"]["name"]: h["spec"] for h in _kind("HorizontalPodAutoscaler")
    }
    assert set(hpas) == {"mcr-streams-identity", "mcr-streams-linked", "mcr-record"}
    assert hpas["mcr-record"]["metrics"][0]["external"]["metric"]["name"] == "mcr_consumer_lag"
    for spec in hpas.values():
        assert spec["maxReplicas"] <= generate.PIPELINE_PARTITIONS
        assert spec["metrics"][0]["type"] == "External"


def test_the_streams_stages_run_split_each_scaled_by_its_own_groups_lag() -> None:
    """Identity and linked (consent, de-identification) are two Deployments, never one process
    running every stage; each autoscaler follows the consumer group its stage joins."""
    deployments = {d["metadata"]["name"]: d for d in _kind("Deployment")}
    commands = {n: " ".join(d["spec"]["template"]["spec"]["containers"][0]["args"])
                for n, d in deployments.items()}  # fmt: skip
    streams = {n for n, command in commands.items() if "streams worker" in command}
    assert streams == set(STREAMS_STAGES)
    hpas = {
        h["spec"]["scaleTargetRef"]["name"]: h["spec"] for h in _kind("HorizontalPodAutoscaler")
    }
    for name, stage in STREAMS_STAGES.items():
        (container,) = deployments[name]["spec"]["template"]["spec"]["containers"]
        assert container["args"][0].endswith(f"streams worker --stage {stage}"), name
        metric = hpas[name]["metrics"][0]["external"]["metric"]
        assert metric["name"] == "kafka_consumergroup_lag"
        assert metric["selector"]["matchLabels"] == {
            "consumergroup": group_of(STREAMS_APP_ID, stage)
        }


def test_each_streams_application_gets_its_leader_topic_before_it_starts() -> None:
    """The generator's applications are the groups the two stages join (it may not import
    streams), and each has its faust leader topic with the cluster's copies."""
    assert (
        tuple(group_of(STREAMS_APP_ID, stage) for stage in STREAMS_STAGES.values())
        == generate.STREAMS_APPS
    )
    topics = {t["spec"]["topicName"]: t["spec"] for t in _docs("kafka", "topics.yaml")}
    for app in generate.STREAMS_APPS:
        assert topics[f"{app}-__assignor-__leader"]["replicas"] == 3, app


def test_each_streams_stage_mounts_only_the_secrets_it_reads() -> None:
    """Identity gets the MPI role and nothing of consent or planning; linked gets the consent
    role and the planning key, nothing of identity (least privilege)."""
    wants = {
        "mcr-streams-identity": {"mcr-streams", "mcr-cluster-ca-cert", "mcr-postgres-identity"},
        "mcr-streams-linked": {"mcr-streams", "mcr-cluster-ca-cert", "mcr-postgres-consent",
                               "mcr-planning-key"},
    }  # fmt: skip
    pods = dict(_pod_specs())
    for name, secrets in wants.items():
        volumes = pods[name]["volumes"]
        assert {v["secret"]["secretName"] for v in volumes if "secret" in v} == secrets, name
        (container,) = pods[name]["containers"]
        mounted = {m["name"] for m in container["volumeMounts"]}
        assert mounted == {v["name"] for v in volumes}, name
        key_file = {e["name"] for e in container["env"]} & {"MCR_PLANNING_KEY_FILE"}
        assert bool(key_file) == ("mcr-planning-key" in secrets), name


def test_both_streams_stages_may_reach_postgresql() -> None:
    """The database's network policy names each streams Deployment (the old single name is
    gone)."""
    (policy,) = [p for p in _kind("NetworkPolicy")
                 if p["metadata"]["name"] == "postgres-from-components"]  # fmt: skip
    (expression,) = policy["spec"]["ingress"][0]["from"][0]["podSelector"]["matchExpressions"]
    assert set(STREAMS_STAGES) <= set(expression["values"])
    assert "mcr-streams" not in expression["values"]


def test_only_the_api_is_reachable_from_the_ingress_and_metrics_only_from_monitoring() -> None:
    policies = {p["metadata"]["name"]: p["spec"] for p in _kind("NetworkPolicy")}
    assert policies["default-deny-ingress"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
    namespaces: dict[str, set[str]] = {}
    for spec in policies.values():
        for rule in spec.get("ingress", []):
            for peer in rule["from"]:
                if "namespaceSelector" in peer:
                    ns = peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                    selected = spec["podSelector"]["matchLabels"]
                    namespaces.setdefault(ns, set()).add(str(sorted(selected.items())))
                    assert [p["port"] for p in rule["ports"]] == (
                        [8480] if ns == "ingress-nginx" else [9464]
                    )
    assert namespaces == {
        "ingress-nginx": {str([("app.kubernetes.io/name", "mcr-api")])},
        "monitoring": {str([("mcr.nhs.uk/metrics", "true")])},
    }
    (ingress,) = _kind("Ingress")
    assert ingress["spec"]["tls"]
    backends = {
        p["backend"]["service"]["name"]
        for r in ingress["spec"]["rules"]
        for p in r["http"]["paths"]
    }
    assert backends == {"mcr-api"}
