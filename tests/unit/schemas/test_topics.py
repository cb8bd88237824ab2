"""The topic table (schemas/topics.toml): every topic the project makes has one family, the
record's topics are kept forever, and a broken table is refused naming the field."""

from __future__ import annotations

import re

import pytest

from deploy.local.principals import BENCH_TOPIC_PREFIX
from deploy.local.topics import PIPELINE_TOPICS
from mcr.core.kafka_acls import ANCHOR_TOPIC, REDRIVE_LOG_TOPIC, STREAMS_APP_ID
from mcr.core.topic_admin import TopicCreateError, topic_spec
from schemas.events import ASSERTED_SOURCE_TOPIC, LINKED_TOPIC, organisation_topic
from schemas.organisations import load_organisations
from schemas.topics import PROFILES, TopicTableError, parse_topic_table, topic_table

# Every topic the stack, the demo, the services and the benchmarks create (prefixes included).
MADE = [
    *PIPELINE_TOPICS,
    *(organisation_topic(org.ods_code) for org in load_organisations()),
    ANCHOR_TOPIC,
    REDRIVE_LOG_TOPIC,
    f"{STREAMS_APP_ID}-__assignor-__leader",
    f"{BENCH_TOPIC_PREFIX}0a1b2c3d4e",  # mcr bench produce
    *(f"{BENCH_TOPIC_PREFIX}0a1b2c3d4e.{name}" for name in PIPELINE_TOPICS),  # a bench space
    "bench-0a1b2c3d4e-identity-__assignor-__leader",
    *(f"sandbox.0a1b2c3d4e.{name}" for name in PIPELINE_TOPICS),
]
EXPECTED_FAMILY = {
    "mcr.source.RC9": "source",
    "t1.mcr.source.E81001": "source",
    ASSERTED_SOURCE_TOPIC: "asserted",
    "mcr.linked": "linked",
    "mcr.identity.changes": "identity_changes",
    "mcr.shared": "shared",
    "mcr.planning": "planning",
    "mcr.dlq": "dlq",
    "mcr.dlq.redriven": "dlq_redriven",
    "mcr.audit.anchors": "audit_anchors",
    "mcr-streams-__assignor-__leader": "streams_leader",
    "mcr.bench.0a1b2c3d4e": "bench",
    "mcr.bench.0a1b2c3d4e.mcr.shared": "shared",
}


@pytest.mark.parametrize("name", MADE)
def test_every_topic_the_project_makes_has_exactly_one_family(name: str) -> None:
    """A made topic matches one family of the table, never two (order cannot matter)."""
    matching = [f.name for f in topic_table().families if f.pattern().fullmatch(name)]
    assert len(matching) == 1, (name, matching)


@pytest.mark.parametrize(("name", "family"), sorted(EXPECTED_FAMILY.items()))
def test_names_resolve_to_their_family(name: str, family: str) -> None:
    """Prefixed or not, a topic gets the settings of the topic it stands for."""
    assert topic_table().family_of(name).name == family


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize(
    "name",
    ["mcr.source.RC9", ASSERTED_SOURCE_TOPIC, LINKED_TOPIC, "mcr.identity.changes",
     ANCHOR_TOPIC, "mcr.dlq"],
)  # fmt: skip
def test_the_record_and_its_evidence_are_kept_forever(name: str, profile: str) -> None:
    """Source, linked, identity-change, anchor and dead-letter topics never expire, and no
    topic is limited by size."""
    config = topic_table().spec(name, profile).config()
    assert (config["retention.ms"], config["retention.bytes"]) == ("-1", "-1")


def test_only_bench_topics_expire() -> None:
    """Everything else is kept (the planning feed too: `mcr rebuild planning` replays it);
    benchmark leftovers go after a day."""
    expiring = {f.name: f.retention_ms for f in topic_table().families if f.retention_ms != -1}
    assert expiring == {"bench": 24 * 3600 * 1000}


def test_local_is_one_copy_and_cluster_three_with_two_in_sync() -> None:
    """The one-broker stack cannot hold copies; a cluster survives one broker's loss."""
    local, cluster = (topic_table().spec(LINKED_TOPIC, p) for p in ("local", "cluster"))
    assert (local.replication_factor, local.min_insync_replicas) == (1, 1)
    assert (cluster.replication_factor, cluster.min_insync_replicas) == (3, 2)
    assert (local.partitions, cluster.partitions) == (4, 12)
    assert cluster.config()["min.insync.replicas"] == "2"


def test_the_redrive_log_is_compacted_and_the_rest_deleted() -> None:
    """Only the re-drive log (one record per letter) is compacted."""
    policies = {f.name: f.cleanup_policy for f in topic_table().families}
    assert {n for n, p in policies.items() if p == "compact"} == {"dlq_redriven"}


def test_topic_spec_refuses_a_name_without_family_and_keeps_a_chosen_count() -> None:
    """An unknown name is an error (never a silent default); a throwaway space may choose
    its partitions, nothing else."""
    with pytest.raises(TopicCreateError, match="no family"):
        topic_spec("someone.elses.topic", "local")
    spec = topic_spec("t9.mcr.linked", "cluster", partitions=2)
    assert (spec.partitions, spec.replication_factor) == (2, 3)
    assert topic_spec("any-name", "local", family="audit_anchors").partitions == 1


_GOOD_PROFILES = """
[profile.local]
replication_factor = 1
min_insync_replicas = 1
partitions = { pipeline = 4 }
[profile.cluster]
replication_factor = 3
min_insync_replicas = 2
partitions = { pipeline = 12 }
"""
_GOOD_FAMILY = """
[family.linked]
topic = "mcr.linked"
partitions = "pipeline"
retention_ms = -1
cleanup_policy = "delete"
"""


def test_a_minimal_table_parses() -> None:
    """The smallest valid table: two profiles and one family."""
    table = parse_topic_table(_GOOD_PROFILES + _GOOD_FAMILY)
    assert table.spec("mcr.linked", "cluster").partitions == 12


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not toml [", "not valid TOML"),
        (_GOOD_FAMILY, "profile: expected exactly local, cluster"),
        (_GOOD_PROFILES.replace("min_insync_replicas = 2", "min_insync_replicas = 4")
         + _GOOD_FAMILY, "profile.cluster.min_insync_replicas: more than replication_factor"),
        (_GOOD_PROFILES, "family: expected at least one"),
        (_GOOD_PROFILES + _GOOD_FAMILY.replace('"pipeline"', '"source"'),
         "family.linked.partitions: not a count every profile names"),
        (_GOOD_PROFILES + _GOOD_FAMILY.replace("= -1", "= 0"),
         "family.linked.retention_ms: expected -1"),
        (_GOOD_PROFILES + _GOOD_FAMILY.replace('"delete"', '"archive"'),
         "family.linked.cleanup_policy: expected delete or compact"),
        (_GOOD_PROFILES + _GOOD_FAMILY.replace('"mcr.linked"', '"mcr.{who}"'),
         "family.linked.topic: placeholders"),
    ],
)  # fmt: skip
def test_a_broken_table_is_refused_naming_the_field(text: str, message: str) -> None:
    """Each rule of the table, broken once, is refused with the field it concerns."""
    with pytest.raises(TopicTableError, match=re.escape(message)):
        parse_topic_table(text)
