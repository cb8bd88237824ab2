"""Index versions behind the read alias: template, create, look up, swap, drop. Thin I/O.

Readers and the live worker only ever name the alias (``record``); each version is a concrete
index ``record-v1-<timestamp>`` whose settings and mappings come from the index template. The
alias points at exactly one index, marked as its write index, and a swap moves it in one
atomic ``_aliases`` request, so a reader never sees zero or two versions.
"""

from __future__ import annotations

from datetime import datetime

from opensearchpy import OpenSearch
from opensearchpy import exceptions as os_errors

from mcr.core.logging import get_logger
from projections.record.errors import IndexAdminError
from projections.record.ids import index_name, template_name
from projections.record.mapping import index_template, mappings, missing_fields
from projections.record.settings import RecordSettings
from projections.record.writer import translated

__all__ = [
    "add_missing_fields",
    "alias_indices",
    "create_index_version",
    "drop_old_versions",
    "ensure_alias",
    "ensure_template",
    "set_refresh_interval",
    "swap_alias",
]

log = get_logger(__name__)


def ensure_template(client: OpenSearch, settings: RecordSettings) -> None:
    """Install (or update) the index template for the settings' alias prefix."""
    body = index_template(
        settings.alias,
        shards=settings.number_of_shards,
        replicas=settings.number_of_replicas,
        refresh_interval=settings.refresh_interval,
    )
    with translated("put index template"):
        client.indices.put_index_template(name=template_name(settings.alias), body=body)


def alias_indices(client: OpenSearch, alias: str) -> list[str]:
    """The indices ``alias`` points at (sorted), or [] when it does not exist."""
    # Asked of the alias itself, not of every index: a user whose rights cover only the
    # record's indices (the security plugin's roles) may ask it.
    with translated("get alias"):
        if not client.indices.exists_alias(index=alias, name=alias):
            return []
        found = client.indices.get_alias(index=alias, name=alias)
    return sorted(found)


def create_index_version(
    client: OpenSearch,
    settings: RecordSettings,
    *,
    now: datetime,
    refresh_interval: str | None = None,
    alias: bool = False,
) -> str:
    """Create a new index version (template settings; optional refresh override and alias).

    With ``alias`` the index is created already holding the alias as its write index: if a
    concurrent worker won the race, creation fails and IndexAdminError says so.
    """
    name = index_name(settings.alias, now)
    body: dict[str, object] = {}
    if refresh_interval is not None:
        body["settings"] = {"index": {"refresh_interval": refresh_interval}}
    if alias:
        body["aliases"] = {settings.alias: {"is_write_index": True}}
    with translated("create index"):
        try:
            client.indices.create(index=name, body=body, params={"wait_for_active_shards": "1"})
        except os_errors.RequestError as exc:  # exists, or the alias already has a write index
            raise IndexAdminError(f"index {name}: not created ({exc.error})") from exc
    return name


def ensure_alias(client: OpenSearch, settings: RecordSettings, *, now: datetime) -> str:
    """The index behind the alias, creating the template and a first version if needed."""
    ensure_template(client, settings)
    current = alias_indices(client, settings.alias)
    if not current:
        try:
            return create_index_version(client, settings, now=now, alias=True)
        except IndexAdminError:
            current = alias_indices(client, settings.alias)  # another worker created it
    if len(current) != 1:
        raise IndexAdminError(f"alias {settings.alias}: expected one index, found {len(current)}")
    add_missing_fields(client, current[0])
    return current[0]


def add_missing_fields(client: OpenSearch, index: str) -> list[str]:
    """Give ``index`` the fields today's mapping has and it lacks (an index made by an earlier
    version: its strict mapping would refuse today's documents); returns their top-level
    names. Adding fields is all OpenSearch allows in place; anything else needs a rebuild."""
    with translated("get mapping"):
        current = client.indices.get_mapping(index=index)[index]["mappings"]
    missing = missing_fields(current, mappings())
    if missing:
        with translated("put mapping"):
            client.indices.put_mapping(index=index, body={"properties": missing})
        log.info("record index given new fields", index=index, detail=",".join(sorted(missing)))
    return sorted(missing)


def swap_alias(client: OpenSearch, alias: str, new_index: str) -> list[str]:
    """Point ``alias`` at ``new_index`` only, atomically; returns the indices it left."""
    previous = [name for name in alias_indices(client, alias) if name != new_index]
    actions: list[dict[str, object]] = [
        {"remove": {"index": name, "alias": alias}} for name in previous
    ]
    actions.append({"add": {"index": new_index, "alias": alias, "is_write_index": True}})
    with translated("swap alias"):
        client.indices.update_aliases(body={"actions": actions})
    return previous


def drop_old_versions(client: OpenSearch, alias: str) -> list[str]:
    """Delete every ``<alias>-v*`` index the alias no longer points at; returns their names."""
    with translated("list versions"):
        found = client.indices.get(index=f"{alias}-v*", params={"expand_wildcards": "open,closed"})
    live = set(alias_indices(client, alias))
    if not live:
        raise IndexAdminError(f"alias {alias}: missing, refusing to drop its versions")
    old = sorted(name for name in found if name not in live)
    for name in old:
        with translated("delete index"):
            client.indices.delete(index=name)
    return old


def set_refresh_interval(client: OpenSearch, index: str, value: str) -> None:
    """Change one index's refresh interval (``-1`` while bulk loading a rebuild)."""
    with translated("put settings"):
        client.indices.put_settings(index=index, body={"index": {"refresh_interval": value}})
