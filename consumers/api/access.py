"""Consent at read: which documents a response may carry, and in what shape. Pure.

The stream already keeps back what a person's consent forbids; this is the second line of
defence, applied to every document just before it leaves the service, with the same rules
(``streams.consent.rules.verdict``):

- a person who **objects** to the shared care record gets no clinical data at all: the
  response says so and nothing else (:func:`objection_body`);
- a **withheld** item, or one with a **sensitive** label or a code on the sensitive lists
  (``schemas.sensitivity``), is left out and only counted;
- an item labelled ``R`` (restricted) is shown, with its labels, for the viewer to flag;
- a live patient document labelled ``V`` hides the person's **contact details** (address
  lines, postcode, phone) in every organisation's demographics, not only its own (it is kept
  back as sensitive): the label usually protects where the patient lives (a refuge, a
  protected address), which the other organisations' copies would give away. The response
  says so (``contact_details_hidden``) for the viewer to show (:func:`hides_contact`).

A document is judged by the state of the person it carries **and** of the person its
``source_key`` belongs to now (:class:`ReadConsent`): they differ after a merge, an unmerge or a
re-link until the projection has re-keyed the document, and the consent stage moves a
person's preferences with their source keys at once. If either says no, the document is kept
back. A record or search entry with a document whose source-key owner objects is answered as
an objection as a whole (:func:`objecting_owners`): the owner is the same patient, and parts
of their record would be shown otherwise.

Documents are also re-checked for ``deleted`` and ``doc_kind``: a tombstone or a summary that
a query let through by mistake is never shown. Fields are picked by name: a new field in the
index is not served until it is added here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from consumers.api.document_fields import DOCUMENT, shown_fields
from consumers.api.medicines import is_current
from schemas.sensitivity import labels_of
from streams.consent.rules import ItemRef, Verdict, verdict
from streams.consent.state import ConsentState, fold

__all__ = [
    "Hit",
    "ItemPage",
    "PersonDocuments",
    "ReadConsent",
    "Screened",
    "Section",
    "hides_contact",
    "item_body",
    "kept_back_note",
    "objecting_owners",
    "objection_body",
    "record_body",
    "screen",
    "search_body",
    "section",
]

SECTION_NAMES = {
    "result": "results",
    "medication": "medications",
    "encounter": "encounters",
    "condition": "problems",
    "allergy": "allergies",
    "immunisation": "immunisations",
    "procedure": "procedures",
    "document": "documents",
}
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
#: A patient document with this label hides the person's contact details everywhere.
CONTACT_HIDING_LABEL = "V"
_CONTACT_FIELDS = ("address_lines", "postcode", "phone")


@dataclass(frozen=True)
class Hit:
    """One document as read from the index: its id and its source."""

    doc_id: str
    source: Mapping[str, Any]

    @property
    def person_id(self) -> str:
        return str(self.source.get("person_id", ""))

    @property
    def source_key(self) -> str:
        """``<org>:<local patient id>`` of the source record ("" if the document has none)."""
        return str(self.source.get("source_key") or "")


@dataclass(frozen=True)
class ItemPage:
    """One page of a person's items of one type, and how many such items the index holds."""

    total: int
    hits: tuple[Hit, ...]


@dataclass(frozen=True)
class PersonDocuments:
    """What one record request read of a person: their patient documents, a page of each
    record type asked for, and the source key of every live document they hold (all pages)."""

    patients: tuple[Hit, ...]
    pages: Mapping[str, ItemPage]
    source_keys: frozenset[str] = frozenset()
    first_pages: Mapping[str, ItemPage] = field(default_factory=lambda: MappingProxyType({}))
    """The first page of other record types, read in the same round trip for the access
    decision (a recent encounter is a care relationship, whatever page is shown)."""

    def read_keys(self) -> frozenset[str]:
        """Every source key of the person: the ones listed and those of the documents read."""
        hits = (*self.patients, *(hit for page in self.pages.values() for hit in page.hits))
        return self.source_keys | {hit.source_key for hit in hits if hit.source_key}


@dataclass(frozen=True)
class ReadConsent:
    """The consent states documents are read under.

    ``states`` holds the state of every person involved (each document's person, and each
    source-key owner); ``owners`` maps a source key to the person the newest identity change
    gives it (``streams.consent.repository.persons_of``; keys no change has named are absent).
    A person missing from ``states`` is a bug (KeyError: no data), never an empty state.
    """

    states: Mapping[str, ConsentState]
    owners: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def persons(self, hit: Hit) -> tuple[str, ...]:
        """The document's person, then its source key's owner when that is someone else."""
        return tuple(dict.fromkeys((hit.person_id, self.owners.get(hit.source_key, hit.person_id))))

    def state_of(self, hit: Hit) -> ConsentState:
        """The state ``hit`` is judged by: every preference of its person and of its owner."""
        persons = self.persons(hit)
        if len(persons) == 1:
            return self.states[persons[0]]
        return fold(p for person in persons for p in self.states[person].preferences.values())

    def objects(self, hits: Iterable[Hit], now: datetime) -> bool:
        """True when any of ``hits`` is judged by a state that objects at ``now``."""
        return any(self.state_of(hit).objects(now) for hit in hits)


def objecting_owners(
    person_id: str, source_keys: Iterable[str], consent: ReadConsent, now: datetime
) -> tuple[str, ...]:
    """The persons other than ``person_id`` who own one of ``source_keys`` now and object at
    ``now`` (sorted). Any one makes the record of ``person_id`` an objection: its documents
    of those keys are the objecting patient's, not yet re-keyed after a merge or unmerge."""
    owners = {consent.owners.get(key, person_id) for key in source_keys} - {person_id}
    return tuple(sorted(owner for owner in owners if consent.states[owner].objects(now)))


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
    today: date | None = None
    """The reader's UTC day: medicines are marked current or past against it."""


def _ref(source: Mapping[str, Any]) -> ItemRef:
    """The document as the consent rules see it; its codes count as labels too, so an item
    indexed before its code was listed is hidden as soon as the list has it."""
    record_type = str(source.get("record_type", ""))
    content = source.get(record_type)
    coded = content if isinstance(content, Mapping) else {}
    return ItemRef(
        record_type=record_type,
        org=str(source.get("org", "")),
        source_record_id=str(source.get("source_record_id", "")),
        confidentiality=labels_of(record_type, coded, source.get("confidentiality") or ()),
    )


def _may_show(hit: Hit, consent: ReadConsent, now: datetime) -> bool:
    source = hit.source
    if source.get("deleted") is not False or source.get("doc_kind") not in _DOC_KINDS:
        return False
    return verdict(_ref(source), consent.state_of(hit), now) is Verdict.SHARE


def screen(hits: Iterable[Hit], consent: ReadConsent, now: datetime) -> Screened:
    """The hits ``consent`` lets a clinician see at ``now``; the rest are only counted.

    Each hit is judged by its person's and its source-key owner's preferences together; with
    an objection in either nothing of it is shown (it counts as kept back).
    """
    every = tuple(hits)
    shown = tuple(hit for hit in every if _may_show(hit, consent, now))
    return Screened(shown, len(every) - len(shown))


def section(
    record_type: str,
    page: ItemPage,
    consent: ReadConsent,
    now: datetime,
    *,
    number: int,
    size: int,
) -> Section:
    """The page of ``record_type`` items after consent at read."""
    screened = screen(page.hits, consent, now)
    return Section(record_type, page.total, number, size, screened, today=now.date())


def hides_contact(hits: Iterable[Hit]) -> bool:
    """True when a live patient document among ``hits`` is labelled ``V``: the person's
    address lines, postcode and phone are then shown from no organisation."""
    return any(
        hit.source.get("doc_kind") == "patient"
        and hit.source.get("deleted") is False
        and CONTACT_HIDING_LABEL in (hit.source.get("confidentiality") or ())
        for hit in hits
    )


def _contact_removed(fields: dict[str, Any], hidden: bool) -> dict[str, Any]:
    if not hidden:
        return fields
    return {**fields, **{name: None for name in _CONTACT_FIELDS if name in fields}}


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


def item_body(hit: Hit) -> dict[str, Any]:
    """An item as answers show it: its id, the common fields and its type's own fields (a
    document's metadata and links, never its bytes: ``document_fields``)."""
    record_type = str(hit.source.get("record_type", ""))
    own = shown_fields(hit.source) if record_type == DOCUMENT else hit.source.get(record_type)
    return {"id": hit.doc_id, **_pick(hit.source, _ITEM_FIELDS), record_type: own}


def _newest_first(hits: Iterable[Hit]) -> list[Hit]:
    return sorted(hits, key=lambda hit: str(hit.source.get("recorded_at") or ""), reverse=True)


def _match(
    person_id: str, hits: Sequence[Hit], consent: ReadConsent, now: datetime, hidden: bool
) -> tuple[dict[str, Any] | None, int]:
    if consent.states[person_id].objects(now) or consent.objects(hits, now):
        return {"person_id": person_id, "objects_to_sharing": True}, len(hits)
    screened = screen(hits, consent, now)
    if not screened.shown:
        return None, screened.kept_back
    newest = _newest_first(screened.shown)[0]
    shown = _pick(newest.source.get("patient") or {}, _SEARCH_FIELDS)
    return {
        "person_id": person_id,
        "objects_to_sharing": False,
        "demographics": _contact_removed(shown, hidden),
        "contact_details_hidden": hidden,
        "sources": len(screened.shown),
        "source_org": newest.source.get("org"),
    }, screened.kept_back


def search_body(
    hits: Sequence[Hit],
    consent: ReadConsent,
    now: datetime,
    *,
    contact_hidden: Collection[str] = frozenset(),
) -> tuple[dict[str, Any], int]:
    """The search response (one entry per person, in hit order) and how many patient
    documents were kept back. A person who objects, or one of whose documents found belongs
    by source key to a person who objects, is listed without any demographics. A person in
    ``contact_hidden``, or with a ``V`` patient document among ``hits``, has no postcode."""
    by_person: dict[str, list[Hit]] = {}
    for hit in hits:
        by_person.setdefault(hit.person_id, []).append(hit)
    persons: list[dict[str, Any]] = []
    kept_back = 0
    for person_id, person_hits in by_person.items():
        hidden = person_id in contact_hidden or hides_contact(person_hits)
        entry, kept = _match(person_id, person_hits, consent, now, hidden)
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
        "items": [_marked(item_body(hit), part.today) for hit in part.screened.shown],
    }


def _marked(item: dict[str, Any], today: date | None) -> dict[str, Any]:
    """A medication item with ``current`` (see medicines.py); other items as they are."""
    medication = item.get("medication")
    if today is None or item.get("record_type") != "medication" or medication is None:
        return item
    return {**item, "current": is_current(medication, today)}


def record_body(
    person_id: str,
    patients: Screened,
    sections: Sequence[Section],
    *,
    contact_hidden: bool = False,
) -> dict[str, Any]:
    """The record of a person who does not object: demographics from each organisation
    (newest first, without address lines, postcode and phone when ``contact_hidden``), a page
    of each record type, and how many documents were kept back."""
    kept_back = patients.kept_back + sum(part.screened.kept_back for part in sections)
    demographics = [
        _contact_removed(_demographics(hit), contact_hidden)
        for hit in _newest_first(patients.shown)
    ]
    body: dict[str, Any] = {
        "person_id": person_id,
        "objects_to_sharing": False,
        "demographics": demographics,
        "contact_details_hidden": contact_hidden,
        **{SECTION_NAMES[part.record_type]: _section_body(part) for part in sections},
        "kept_back": kept_back,
    }
    if kept_back:
        body["kept_back_note"] = kept_back_note(kept_back)
    return body


def kept_back_note(kept_back: int) -> str:
    """What the viewer says about ``kept_back`` documents it cannot show."""
    return (
        f"{kept_back} item(s) are not shown: withheld at the patient's request or "
        "sensitive. Their content is not available through the shared care record."
    )
