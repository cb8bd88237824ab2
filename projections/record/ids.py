"""Stable names: document ids, versioned index names and the template name. Pure.

A clinical item's id is built from (record type, org, source record id): the same item from
the same organisation always lands on the same document, whatever topic, offset or person it
arrives with. Parts are percent-encoded, so ``|`` inside an id part cannot collide.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

__all__ = [
    "MAPPING_VERSION",
    "index_name",
    "index_pattern",
    "item_id",
    "summary_id",
    "template_name",
]

#: Version of the document model and mappings; part of every index name.
MAPPING_VERSION = 1
_SEPARATOR = "|"


def _part(value: str) -> str:
    return quote(value, safe="")


def item_id(*, record_type: str, org: str, source_record_id: str) -> str:
    """Id of a clinical item or patient document: ``<type>|<org>|<source record id>``."""
    return _SEPARATOR.join((_part(record_type), _part(org), _part(source_record_id)))


def summary_id(person_id: str) -> str:
    """Id of a person's summary document: ``summary|<person id>``."""
    return f"summary{_SEPARATOR}{_part(person_id)}"


def index_name(prefix: str, created_at: datetime) -> str:
    """A new index version: ``<prefix>-v<mapping version>-<UTC timestamp to microseconds>``."""
    stamp = created_at.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")
    return f"{prefix}-v{MAPPING_VERSION}-{stamp}"


def index_pattern(prefix: str) -> str:
    """Pattern of every index version of the current mapping under ``prefix``."""
    return f"{prefix}-v{MAPPING_VERSION}-*"


def template_name(prefix: str) -> str:
    """Name of the index template that gives new versions their mappings."""
    return f"{prefix}-v{MAPPING_VERSION}"
