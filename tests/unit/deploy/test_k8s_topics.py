"""The cluster's KafkaTopic resources are the topic table's cluster profile, every one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from deploy.k8s import generate
from schemas.topics import topic_table

TOPICS_YAML = Path(generate.__file__).resolve().parent / "kafka" / "topics.yaml"


def _topics() -> dict[str, dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all(TOPICS_YAML.read_text()) if d]
    return {d["spec"]["topicName"]: d["spec"] for d in docs if d["kind"] == "KafkaTopic"}


def test_every_deployed_family_has_a_kafka_topic_and_nothing_else_does() -> None:
    """One KafkaTopic per deployed family (faust's leader topic: one per streams application);
    local-only families (bench) are not deployed."""
    topics = _topics()
    families = [topic_table().family_of(name).name for name in topics]
    deployed = {f.name for f in topic_table().families if f.deployed}
    assert set(families) == deployed
    assert sorted(families) == sorted(
        [*deployed, *["streams_leader"] * (len(generate.STREAMS_APPS) - 1)]
    )
    assert "bench" not in families


def test_each_kafka_topic_matches_the_table_in_the_cluster_profile() -> None:
    """Partitions, replicas and every config value are the table's (as Strimzi types)."""
    for name, spec in _topics().items():
        expected = topic_table().spec(name, "cluster")
        assert (spec["partitions"], spec["replicas"]) == (
            expected.partitions,
            expected.replication_factor,
        ), name
        config = {key: str(value) for key, value in spec["config"].items()}
        assert config == expected.config(), name
        assert spec["config"]["min.insync.replicas"] == 2, name


def test_the_deployments_make_topics_in_the_cluster_profile() -> None:
    """Every process in the cluster reads MCR_KAFKA_TOPIC_PROFILE=cluster from the config map,
    so an organisation added there gets 3 copies, not the local stack's 1."""
    config_map = next(
        d for d in yaml.safe_load_all((TOPICS_YAML.parents[1] / "apps" / "config.yaml").read_text())
        if d and d["kind"] == "ConfigMap"
    )  # fmt: skip
    assert config_map["data"]["MCR_KAFKA_TOPIC_PROFILE"] == generate.PROFILE == "cluster"
