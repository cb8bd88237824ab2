"""Consent at read: which documents a response may carry, and in what shape. Pure.

The stream already keeps back what a person's consent forbids; this is the second line of
defence, applied to every document just before it leaves the service, with the same rules
(``streams.consent.rules.verdict``):

- a person who **objects** to the shared care record gets no clinical data at all: the
  response says so and nothing else (:func:`objection_body`);
- a **withheld** item, or one with a **sensitive** label, is left out and only counted;
- an item labelled ``R`` (restricted) is shown, with its labels, for the viewer to flag.

Documents are also re-checked for ``deleted`` and ``doc_kind``: a tombstone or a summary that
a query let through by mistake is never shown. Fields are picked by name: a new field in the
index is not served until it is added here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from streams.consent.rules import ItemRef, Verdict, verdict
from streams.consent.state import ConsentState

__all__ = [
    "Hit",
    "ItemPage",
    "Screened",
    "Section",
    "objection_body",
    "record_body",
    "screen",
    "search_body",
    "section",
]

SECTION_NAMES = {"result": "results", "medication": "medications", "encounter": "encounters"}
_DOC_KINDS = frozenset({"item", "patient"})
_ITEM_FIELDS = (
    "record_type", "org", "source_system", "source_record_id", "record_version",
    "occurred_at", "recorded_at", "confidentiality",
)  # fmt: skip
_PATIENT_FIELDS = (
    "nhs_number", "nhs_number_status", "given_names", "family_name", "birth_date", "sex",
    "postcode", "address_lines", "phone", "deceased_at", "registered_gp_practice",
    "preferred_language",
)  # fmt: skip
_SEARCH_FIELDS = ("nhs_number", "given_names", "family_name", "birth_date", "sex", "postcode")


@dataclass(frozen=True)
class Hit:
    """One document as read from the index: its id and its source."""

    doc_id: str
    source: Mapping[str, Any]

    @property
    def person_id(self) -> str:
        return str(self.source.get("person_id", ""))


@dataclass(frozen=True)
class ItemPage:
    """One page of a person's items of one type, and how many such items the index holds."""

    total: int
    hits: tuple[Hit, ...]


@dataclass(frozen=True)
class Screened:
    """Documents that may be shown, and how many were kept back (counted, never described)."""

    shown: tuple[Hit, ...]
    kept_back: int


@dataclass(frozen=True)
class Section:
    """One record type's page after consent at read."""

    record_type: str
    total: int
    page: int
    page_size: int
    screened: Screened


def _ref(source: Mapping[str, Any]) -> ItemRef:
    return ItemRef(
        record_type=str(source.get("record_type", "")),
        org=str(source.get("org", "")),
        source_record_id=str(source.get("source_record_id", "")),
        confidentiality=tuple(source.get("confidentiality") or ()),
    )


def _may_show(hit: Hit, state: ConsentState, now: datetime) -> bool:
    source = hit.source
    if source.get("deleted") is not False or source.get("doc_kind") not in _DOC_KINDS:
        return False
    return verdict(_ref(source), state, now) is Verdict.SHARE


def screen(hits: Iterable[Hit], state: ConsentState, now: datetime) -> Screened:
    """The hits ``state`` lets a clinician see at ``now``; the rest are only counted.

    With an objection nothing is shown (every hit counts as kept back).
    """
    every = tuple(hits)
    shown = tuple(hit for hit in every if _may_show(hit, state, now))
    return Screened(shown, len(every) - len(shown))


def section(
    record_type: str,
    page: ItemPage,
    state: ConsentState,
    now: datetime,
    *,
    number: int,
    size: int,
) -> Section:
    """The page of ``record_type`` items after consent at read."""
    return Section(record_type, page.total, number, size, screen(page.hits, state, now))


def objection_body(person_id: str) -> dict[str, Any]:
    """The whole body of a response about a person who objects: no clinical data."""
    return {
        "error": "the patient objects to sharing their record: nothing can be shown",
        "person_id": person_id,
        "objects_to_sharing": True,
    }


def _pick(source: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    return {name: source.get(name) for name in names}


def _demographics(hit: Hit) -> dict[str, Any]:
    patient = hit.source.get("patient") or {}
    return {
        **_pick(hit.source, ("org", "source_system", "recorded_at", "confidentiality")),
        **_pick(patient, _PATIENT_FIELDS),
    }


def _item(hit: Hit) -> dict[str, Any]:
    record_type = str(hit.source.get("record_type", ""))
    return {
        "id": hit.doc_id,
        **_pick(hit.source, _ITEM_FIELDS),
        record_type: hit.source.get(record_type),
    }


def _newest_first(hits: Iterable[Hit]) -> list[Hit]:
    return sorted(hits, key=lambda hit: str(hit.source.get("recorded_at") or ""), reverse=True)


def _match(
    person_id: str, hits: Sequence[Hit], state: ConsentState, now: datetime
) -> tuple[dict[str, Any] | None, int]:
    if state.objects(now):
        return {"person_id": person_id, "objects_to_sharing": True}, len(hits)
    screened = screen(hits, state, now)
    if not screened.shown:
        return None, screened.kept_back
    newest = _newest_first(screened.shown)[0]
    shown = _pick(newest.source.get("patient") or {}, _SEARCH_FIELDS)
    return {
        "person_id": person_id,
        "objects_to_sharing": False,
        "demographics": shown,
        "sources": len(screened.shown),
    }, screened.kept_back


def search_body(
    hits: Sequence[Hit], states: Mapping[str, ConsentState], now: datetime
) -> tuple[dict[str, Any], int]:
    """The search response (one entry per person, in hit order) and how many patient
    documents were kept back. A person who objects is listed without any demographics."""
    by_person: dict[str, list[Hit]] = {}
    for hit in hits:
        by_person.setdefault(hit.person_id, []).append(hit)
    persons: list[dict[str, Any]] = []
    kept_back = 0
    for person_id, person_hits in by_person.items():
        entry, kept = _match(person_id, person_hits, states[person_id], now)
        kept_back += kept
        if entry is not None:
            persons.append(entry)
    return {"persons": persons, "count": len(persons)}, kept_back


def _section_body(part: Section) -> dict[str, Any]:
    return {
        "total": part.total,
        "page": part.page,
        "page_size": part.page_size,
        "has_more": part.page * part.page_size < part.total,
        "kept_back": part.screened.kept_back,
        "items": [_item(hit) for hit in part.screened.shown],
    }


def record_body(person_id: str, patients: Screened, sections: Sequence[Section]) -> dict[str, Any]:
    """The record of a person who does not object: demographics from each organisation
    (newest first), a page of each record type, and how many documents were kept back."""
    kept_back = patients.kept_back + sum(part.screened.kept_back for part in sections)
    body: dict[str, Any] = {
        "person_id": person_id,
        "objects_to_sharing": False,
        "demographics": [_demographics(hit) for hit in _newest_first(patients.shown)],
        **{SECTION_NAMES[part.record_type]: _section_body(part) for part in sections},
        "kept_back": kept_back,
    }
    if kept_back:
        body["kept_back_note"] = (
            f"{kept_back} item(s) are not shown: withheld at the patient's request or "
            "sensitive. Their content is not available through the shared care record."
        )
    return body
