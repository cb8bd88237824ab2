"""Routes: which person a source key's documents belong to after an identity change. Pure.

Identity changes and records arrive on different topics, so the projection may see a MERGE
before an older record of the merged key (still stamped with the retired person), or the
other way round. A route document (``route|<source key>``, versioned by the change's time)
remembers the latest move of each key; every flush resolves the owner of each document through
the routes, so the result is the same whatever order the topics are read in: the latest
identity change for a key decides, and keys that never moved keep the person the linked event
carries. An older change arriving late loses the version check and moves nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from urllib.parse import quote

from projections.record.bulk import BulkOp
from projections.record.documents import IndexDoc, iso_instant

__all__ = ["DOC_KIND_ROUTE", "apply_routes", "route_id", "route_ops"]

DOC_KIND_ROUTE = "route"


def route_id(source_key: str) -> str:
    """Id of the route document of ``source_key``."""
    return f"route|{quote(source_key, safe='')}"


def _route_body(person_id: str, source_key: str, version: int, change_id: str,
                occurred_at: datetime) -> dict[str, object]:  # fmt: skip
    return {
        "doc_kind": DOC_KIND_ROUTE,
        "person_id": person_id,
        "source_key": source_key,
        "record_version": version,
        "event_id": change_id,
        "recorded_at": iso_instant(occurred_at),
    }


def route_ops(
    *, index: str, person_id: str, source_keys: Sequence[str], version: int,
    change_id: str, occurred_at: datetime,
) -> list[BulkOp]:  # fmt: skip
    """Versioned writes of the routes of ``source_keys`` to ``person_id``.

    ``external_gte``: replaying the same change rewrites it; an older change is a conflict.
    """
    return [
        BulkOp(
            "index",
            index,
            route_id(key),
            _route_body(person_id, key, version, change_id, occurred_at),
            version,
            "external_gte",
        )
        for key in source_keys
    ]


def _routed(doc: IndexDoc, routes: Mapping[str, str]) -> IndexDoc:
    person = routes.get(doc.body["source_key"], doc.person_id)
    if person == doc.person_id:
        return doc
    return replace(doc, person_id=person, body={**doc.body, "person_id": person})


def apply_routes(docs: Sequence[IndexDoc], routes: Mapping[str, str]) -> list[IndexDoc]:
    """``docs`` with each owner replaced by its source key's route, where one exists."""
    return [_routed(doc, routes) for doc in docs]
