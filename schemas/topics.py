"""Every topic the project makes and its settings, from one file (``topics.toml``). Pure.

:func:`topic_table` reads the shipped file once; :meth:`TopicTable.spec` answers, for a topic
name (with or without a topic prefix) and a profile (``local``: the one-broker stack;
``cluster``: three brokers), its partitions, replication factor, ``min.insync.replicas``,
retention and cleanup policy, and :meth:`TopicSpec.config` the topic configuration Kafka
takes. Families match the end of a name, so prefixed topic spaces (tests, sandboxes,
benchmarks) get the settings of the topics they stand for.

Errors name the family and field, or say the name has no family, never repeat the name
(:class:`TopicTableError`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from schemas.errors import SchemaError

__all__ = [
    "PROFILES",
    "TopicFamily",
    "TopicSpec",
    "TopicTable",
    "TopicTableError",
    "parse_topic_table",
    "topic_table",
]

PROFILES = ("local", "cluster")
_FILE = "topics.toml"
_POLICIES = frozenset({"delete", "compact"})
_PLACEHOLDERS = {"ods": "[A-Z0-9]{3,10}", "app": "[A-Za-z0-9._-]+", "run": "[a-z0-9]+"}
_PLACEHOLDER = re.compile(r"\{([a-z]+)\}")


class TopicTableError(SchemaError):
    """The topic table breaks a rule, or a topic has no family in it."""


@dataclass(frozen=True)
class TopicSpec:
    """How one topic is made in one profile."""

    family: str
    partitions: int
    replication_factor: int
    min_insync_replicas: int
    retention_ms: int
    cleanup_policy: str

    @property
    def forever(self) -> bool:
        return self.retention_ms == -1

    def config(self) -> dict[str, str]:
        """The topic configuration (Kafka's names and text values)."""
        return {
            "cleanup.policy": self.cleanup_policy,
            "retention.ms": str(self.retention_ms),
            "retention.bytes": "-1",
            "min.insync.replicas": str(self.min_insync_replicas),
        }


@dataclass(frozen=True)
class _Profile:
    replication_factor: int
    min_insync_replicas: int
    partitions: dict[str, int]


@dataclass(frozen=True)
class TopicFamily:
    """One kind of topic: its name template and settings (partitions may name a profile's
    count)."""

    name: str
    topic: str
    partitions: int | str
    retention_ms: int
    cleanup_policy: str
    deployed: bool

    def pattern(self) -> re.Pattern[str]:
        """A regular expression matching this family's topics after any prefix."""
        parts = _PLACEHOLDER.split(self.topic)
        body = "".join(
            _PLACEHOLDERS[part] if i % 2 else re.escape(part) for i, part in enumerate(parts)
        )
        return re.compile(f".*{body}")  # any prefix: MCR_TOPIC_PREFIX need not end in "."

    def example(self, **values: str) -> str:
        """The template with its placeholders filled from ``values``."""
        return self.topic.format(**values)


@dataclass(frozen=True)
class TopicTable:
    """The profiles and topic families of ``topics.toml``, in file order."""

    profiles: dict[str, _Profile]
    families: tuple[TopicFamily, ...]

    def family_of(self, topic: str) -> TopicFamily:
        """The first family matching ``topic``; TopicTableError when none does."""
        for family in self.families:
            if family.pattern().fullmatch(topic):
                return family
        raise TopicTableError("topic: no family in topics.toml matches this name")

    def family(self, name: str) -> TopicFamily:
        """The family called ``name``; TopicTableError when there is none."""
        for family in self.families:
            if family.name == name:
                return family
        raise TopicTableError(f"family.{name}: not in topics.toml")

    def spec(self, topic: str, profile: str, *, family: str | None = None) -> TopicSpec:
        """``topic``'s settings in ``profile`` (its family by name, or ``family``)."""
        chosen = self.family(family) if family else self.family_of(topic)
        if profile not in self.profiles:
            raise TopicTableError("profile: expected one of " + ", ".join(self.profiles))
        where = self.profiles[profile]
        partitions = chosen.partitions
        return TopicSpec(
            family=chosen.name,
            partitions=where.partitions[partitions] if isinstance(partitions, str) else partitions,
            replication_factor=where.replication_factor,
            min_insync_replicas=where.min_insync_replicas,
            retention_ms=chosen.retention_ms,
            cleanup_policy=chosen.cleanup_policy,
        )


def _int(entry: dict[str, Any], name: str, where: str, *, low: int) -> int:
    value = entry.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise TopicTableError(f"{where}.{name}: expected a whole number from {low}")
    return value


def _profile(entry: Any, where: str) -> _Profile:
    if not isinstance(entry, dict):
        raise TopicTableError(f"{where}: expected a table")
    counts = entry.get("partitions")
    if not isinstance(counts, dict) or not counts:
        raise TopicTableError(f"{where}.partitions: expected a table of named counts")
    partitions = {name: _int(counts, name, f"{where}.partitions", low=1) for name in counts}
    replicas = _int(entry, "replication_factor", where, low=1)
    insync = _int(entry, "min_insync_replicas", where, low=1)
    if insync > replicas:
        raise TopicTableError(f"{where}.min_insync_replicas: more than replication_factor")
    return _Profile(replicas, insync, partitions)


def _family(name: str, entry: Any, counts: set[str]) -> TopicFamily:
    where = f"family.{name}"
    if not isinstance(entry, dict):
        raise TopicTableError(f"{where}: expected a table")
    topic = entry.get("topic")
    if not isinstance(topic, str) or not topic:
        raise TopicTableError(f"{where}.topic: expected a topic name or template")
    if set(_PLACEHOLDER.findall(topic)) - set(_PLACEHOLDERS):
        raise TopicTableError(f"{where}.topic: placeholders are {{ods}}, {{app}}, {{run}}")
    partitions = entry.get("partitions")
    if isinstance(partitions, str):
        if partitions not in counts:
            raise TopicTableError(f"{where}.partitions: not a count every profile names")
    else:
        partitions = _int(entry, "partitions", where, low=1)
    retention = entry.get("retention_ms")
    if (
        not isinstance(retention, int)
        or isinstance(retention, bool)
        or not (retention == -1 or retention > 0)
    ):
        raise TopicTableError(f"{where}.retention_ms: expected -1 (forever) or milliseconds")
    policy = entry.get("cleanup_policy")
    if policy not in _POLICIES:
        raise TopicTableError(f"{where}.cleanup_policy: expected delete or compact")
    deployed = entry.get("deployed", True)
    if not isinstance(deployed, bool):
        raise TopicTableError(f"{where}.deployed: expected true or false")
    return TopicFamily(name, topic, partitions, retention, policy, deployed)


def parse_topic_table(text: str) -> TopicTable:
    """The table of a ``topics.toml`` text; raises TopicTableError naming the field."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TopicTableError("topics.toml: not valid TOML") from exc
    raw_profiles, raw_families = document.get("profile"), document.get("family")
    if not isinstance(raw_profiles, dict) or set(raw_profiles) != set(PROFILES):
        raise TopicTableError("profile: expected exactly " + ", ".join(PROFILES))
    profiles = {name: _profile(raw_profiles[name], f"profile.{name}") for name in PROFILES}
    counts = set.intersection(*(set(p.partitions) for p in profiles.values()))
    if not isinstance(raw_families, dict) or not raw_families:
        raise TopicTableError("family: expected at least one [family.<name>]")
    families = tuple(_family(name, entry, counts) for name, entry in raw_families.items())
    return TopicTable(profiles, families)


@cache
def topic_table() -> TopicTable:
    """The table shipped with the package (read once per process)."""
    text = resources.files("schemas").joinpath(_FILE).read_text(encoding="utf-8")
    return parse_topic_table(text)
