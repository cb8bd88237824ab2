"""Reads the record alias in OpenSearch: one method per question, nothing else. Thin I/O.

Library errors become :class:`RecordUnavailableError` (unreachable, timing out, alias missing,
query refused); the caller answers 503 without data. A person's record is one ``_msearch``:
their patient documents, a page of each record type asked for and the source keys of all their
documents (for consent at read by source-key owner), in one round trip.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy import exceptions as os_errors

from consumers.api import access, queries
from consumers.api.access import Hit, ItemPage, PersonDocuments
from consumers.api.errors import RecordUnavailableError
from consumers.api.timeline_query import TimelineQuery, timeline_body
from consumers.api.validation import Page

__all__ = ["RecordReader"]


@contextmanager
def _translated(operation: str) -> Iterator[None]:
    try:
        yield
    except os_errors.NotFoundError as exc:
        raise RecordUnavailableError(f"{operation}: the record alias does not exist") from exc
    except os_errors.ConnectionError as exc:  # includes timeouts
        raise RecordUnavailableError(f"{operation}: OpenSearch unreachable") from exc
    except os_errors.TransportError as exc:
        raise RecordUnavailableError(f"{operation}: refused ({exc.status_code})") from exc


def _hits(response: Mapping[str, Any], operation: str) -> tuple[int, tuple[Hit, ...]]:
    if "error" in response:
        raise RecordUnavailableError(f"{operation}: refused ({response.get('status', 'N/A')})")
    found = response["hits"]
    hits = tuple(Hit(hit["_id"], hit["_source"]) for hit in found["hits"])
    return int(found["total"]["value"]), hits


def _source_keys(response: Mapping[str, Any], operation: str) -> frozenset[str]:
    if "error" in response:
        raise RecordUnavailableError(f"{operation}: refused ({response.get('status', 'N/A')})")
    listed = response["aggregations"]["source_keys"]
    if listed.get("sum_other_doc_count"):  # more keys than listed: owners cannot all be checked
        raise RecordUnavailableError(f"{operation}: too many source keys to check consent")
    return frozenset(str(bucket["key"]) for bucket in listed["buckets"])


class RecordReader:
    """Searches on one alias (``record`` unless a test names a fresh one)."""

    def __init__(self, client: OpenSearch, *, alias: str) -> None:
        self._client = client
        self._alias = alias

    def _search(self, body: Mapping[str, Any], operation: str) -> tuple[Hit, ...]:
        with _translated(operation):
            response = self._client.search(index=self._alias, body=body)
        return _hits(response, operation)[1]

    def patients_by_nhs_number(self, nhs_number: str) -> list[Hit]:
        """Patient documents carrying ``nhs_number``."""
        return list(self._search(queries.patients_by_nhs_number(nhs_number), "nhs search"))

    def patients_by_name(self, family_name: str, birth_date: str) -> list[Hit]:
        """Patient documents matching the family name and birth date."""
        body = queries.patients_by_name(family_name, birth_date)
        return list(self._search(body, "name search"))

    def persons_hiding_contact(self, person_ids: Sequence[str]) -> set[str]:
        """Which of ``person_ids`` have a live patient document labelled ``V``."""
        body = queries.persons_with_patient_label(person_ids, access.CONTACT_HIDING_LABEL)
        with _translated("contact check"):
            response = self._client.search(index=self._alias, body=body)
        return {str(bucket["key"]) for bucket in response["aggregations"]["persons"]["buckets"]}

    def timeline(
        self, person_id: str, query: TimelineQuery, record_types: Sequence[str]
    ) -> ItemPage:
        """A page of the person's items of ``record_types`` matching ``query``, newest first,
        and how many such items the index holds."""
        body = timeline_body(person_id, query, record_types)
        with _translated("timeline"):
            response = self._client.search(index=self._alias, body=body)
        return ItemPage(*_hits(response, "timeline"))

    def item_owner(self, doc_id: str) -> str | None:
        """The person holding the live item ``doc_id`` now (None when there is no such item)."""
        body = queries.item_owner(doc_id)
        hits = self._search(body, "item")
        return hits[0].person_id or None if hits else None

    def person_record(
        self,
        person_id: str,
        record_types: Sequence[str],
        page: Page,
        *,
        first_pages_of: Sequence[str] = (),
    ) -> PersonDocuments:
        """The person's patient documents, a page of items of each of ``record_types``, the
        source keys of all their live documents and the first page of each of
        ``first_pages_of``, in one round trip."""
        first = Page()
        bodies = [
            queries.person_patients(person_id),
            queries.person_source_keys(person_id),
            *(
                queries.item_page(
                    person_id,
                    rt,
                    page=page.number,
                    page_size=page.size,
                    item_id=page.item_id,
                    since=page.since,
                    before=page.before,
                    only=page.only,
                    with_content=page.content,
                )
                for rt in record_types
            ),
            *(
                queries.item_page(person_id, rt, page=first.number, page_size=first.size)
                for rt in first_pages_of
            ),
        ]
        lines: list[Mapping[str, Any]] = []
        for body in bodies:
            lines.extend(({"index": self._alias}, body))
        with _translated("record"):
            answer = self._client.msearch(body=lines)
        responses = answer["responses"]
        patients = _hits(responses[0], "record")[1]
        keys = _source_keys(responses[1], "record")
        asked = len(record_types)
        pages = {
            rt: ItemPage(*_hits(response, "record"))
            for rt, response in zip(record_types, responses[2 : 2 + asked], strict=True)
        }
        first_pages = {
            rt: ItemPage(*_hits(response, "record"))
            for rt, response in zip(first_pages_of, responses[2 + asked :], strict=True)
        }
        return PersonDocuments(patients, pages, keys, first_pages)
