"""One input document: its entries, how references inside it resolve, and its "as of" time.

A document is a single resource or a Bundle of any type (transaction, batch, collection,
searchset, document, message, history). References resolve, in order, to a contained
resource (``#id``), an entry's ``fullUrl`` (``urn:uuid:...`` or absolute), or an entry's
``Type/id`` (relative, or the tail of an absolute URL, with any ``_history`` dropped).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from producers.fhir.elements import Json, items, string
from producers.fhir.times import parse_timestamp

_TYPED_ID = re.compile(
    r"(?:^|/)(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$"
)


@dataclass(frozen=True)
class Entry:
    """One resource to map, or a Bundle entry without one (e.g. a DELETE by URL)."""

    resource: Json | None
    index: int | None = None
    full_url: str | None = None
    method: str | None = None
    request_url: str | None = None

    @property
    def resource_type(self) -> str | None:
        return string(self.resource, "resourceType")

    @property
    def location(self) -> str:
        """Where this is in the input, without any of its data: ``Bundle.entry[3](Observation)``."""
        untyped = "untyped resource" if self.resource is not None else None
        kind = self.resource_type or untyped or self.method or "no resource"
        if self.index is None:
            return kind
        return f"Bundle.entry[{self.index}]({kind})"


@dataclass
class Document:
    """The entries of one input and the indexes that resolve references between them."""

    entries: list[Entry]
    as_of: datetime | None = None
    """When the document says it was assembled (Bundle timestamp or meta.lastUpdated), else the
    caller's received_at, else the latest time any entry carries. Used only where a resource
    has no time of its own (Patient, DELETE by URL)."""
    _by_reference: dict[str, Json] = field(default_factory=dict)
    _full_urls: dict[int, str] = field(default_factory=dict)
    _report_of: dict[int, Json] = field(default_factory=dict)
    _group_of: dict[int, Json] = field(default_factory=dict)

    @classmethod
    def of(cls, resource: Json, received_at: datetime | None = None) -> Document:
        """Index a single resource or a Bundle."""
        doc = cls(entries=list(_entries(resource)))
        for entry in doc.entries:
            doc._index(entry)
        for entry in doc.entries:
            doc._link_results(entry.resource)
        received = received_at.astimezone(UTC) if received_at else None
        doc.as_of = _document_time(resource) or received or _latest_time(doc.entries)
        return doc

    def resolve(self, reference: Json | None, *, within: Json | None = None) -> Json | None:
        """The resource a Reference points to inside this document, or None."""
        target = string(reference, "reference")
        if target is None:
            return None
        if target.startswith("#"):
            return _contained(within, target[1:])
        if target in self._by_reference:
            return self._by_reference[target]
        match = _TYPED_ID.search(target)
        return self._by_reference.get(f"{match['type']}/{match['id']}") if match else None

    def full_url_of(self, resource: Json) -> str | None:
        """The fullUrl of the entry holding ``resource``, if it came from a Bundle."""
        return self._full_urls.get(id(resource))

    def report_of(self, observation: Json) -> Json | None:
        """The DiagnosticReport in this document listing ``observation`` as a result."""
        return self._report_of.get(id(observation))

    def group_of(self, observation: Json) -> Json | None:
        """The grouping Observation in this document listing ``observation`` in hasMember."""
        return self._group_of.get(id(observation))

    def _index(self, entry: Entry) -> None:
        resource = entry.resource
        if resource is None:
            return
        if entry.full_url:
            self._by_reference[entry.full_url] = resource
            self._full_urls[id(resource)] = entry.full_url
        logical_id = string(resource, "id")
        if logical_id and entry.resource_type:
            self._by_reference.setdefault(f"{entry.resource_type}/{logical_id}", resource)

    def _link_results(self, resource: Json | None) -> None:
        if resource is None:
            return
        kind = resource.get("resourceType")
        links = {
            "DiagnosticReport": ("result", self._report_of),
            "Observation": ("hasMember", self._group_of),
        }
        if kind not in links:
            return
        element, index = links[kind]
        for reference in items(resource, element):
            target = self.resolve(reference, within=resource)
            if target is not None:
                index.setdefault(id(target), resource)


def reference_parts(reference: str) -> tuple[str, str] | None:
    """``(type, id)`` of a relative or absolute literal reference, or None (urn, #, search)."""
    match = _TYPED_ID.search(reference)
    return (match["type"], match["id"]) if match else None


def _entries(resource: Json) -> Iterator[Entry]:
    if resource.get("resourceType") != "Bundle":
        yield Entry(resource=resource)
        return
    for index, entry in enumerate(items(resource, "entry")):
        if string(entry.get("search"), "mode") == "outcome":
            continue  # search outcomes are OperationOutcomes about the search, not records
        request = entry.get("request") if isinstance(entry.get("request"), dict) else None
        inner = entry.get("resource")
        yield Entry(
            resource=inner if isinstance(inner, dict) else None,
            index=index,
            full_url=string(entry, "fullUrl"),
            method=(string(request, "method") or "").upper() or None,
            request_url=string(request, "url"),
        )


def _contained(resource: Json | None, local_id: str) -> Json | None:
    for inner in items(resource, "contained"):
        if inner.get("id") == local_id:
            return inner
    return None


def _document_time(resource: Json) -> datetime | None:
    if resource.get("resourceType") != "Bundle":
        return None
    for text in (string(resource, "timestamp"), string(resource.get("meta"), "lastUpdated")):
        if text:
            try:
                return parse_timestamp(text)
            except ValueError:
                continue  # a malformed bundle time is not a reason to lose the bundle
    return None


_TIME_FIELDS = ("effectiveDateTime", "effectiveInstant", "issued", "authoredOn", "dateTime")


def _latest_time(entries: list[Entry]) -> datetime | None:
    """The latest well-formed time any entry carries (its own, not its patient's)."""
    latest: datetime | None = None
    for entry in entries:
        for text in _entry_times(entry.resource):
            try:
                moment = parse_timestamp(text)
            except ValueError:
                continue  # the entry itself will be rejected for it when mapped
            latest = moment if latest is None or moment > latest else latest
    return latest


def _entry_times(resource: Json | None) -> Iterator[str]:
    if resource is None or resource.get("resourceType") == "Patient":
        return  # a Patient's only dates are its birth and death: never a record time
    meta_time = string(resource.get("meta"), "lastUpdated")
    if meta_time:
        yield meta_time
    for name in _TIME_FIELDS:
        if text := string(resource, name):
            yield text
    for name in ("period", "effectivePeriod"):
        period = resource.get(name)
        for edge in ("start", "end"):
            if text := string(period if isinstance(period, dict) else None, edge):
                yield text
