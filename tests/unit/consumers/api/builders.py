"""Synthetic documents, consent states and fake ports for the query service's unit tests.

Only invented people; NHS numbers come from the 999 test range.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from consumers.api.access import Hit, ItemPage, PersonDocuments, ReadConsent
from consumers.api.auth import Principal, Role
from consumers.api.auth.errors import ExpiredTokenError, IdentityProviderError, SignatureError
from consumers.api.auth.principal import OdsCode, PersonRoleId, UserId
from consumers.api.chain import AuditEntry
from consumers.api.errors import AuditError, RecordUnavailableError
from consumers.api.timeline_query import TimelineQuery
from consumers.api.validation import Page
from schemas import nhs_number
from streams.consent.state import ConsentState, Decision, Preference, Scope, fold

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
NHS_A = nhs_number.test_number(11)
NHS_B = nhs_number.test_number(12)
PERSON_A = "person-a"
PERSON_B = "person-b"


def patient_hit(
    person_id: str = PERSON_A,
    *,
    nhs: str = NHS_A,
    org: str = "E81001",
    source_record_id: str = "PAT1",
    family_name: str = "Testwoman",
    recorded_at: str = "2024-01-01T00:00:00.000Z",
    confidentiality: Sequence[str] = (),
    deleted: bool = False,
    local_id: str = "L1",
) -> Hit:
    """A patient document as the projection writes it (source key ``<org>:<local_id>``)."""
    source: dict[str, Any] = {
        "doc_kind": "patient", "record_type": "patient", "person_id": person_id,
        "source_key": f"{org}:{local_id}", "org": org, "source_system": "EMIS Web",
        "source_record_id": source_record_id, "record_version": 1, "deleted": deleted,
        "confidentiality": list(confidentiality), "recorded_at": recorded_at,
    }  # fmt: skip
    if not deleted:
        source["patient"] = {
            "nhs_number": nhs, "nhs_number_status": "VERIFIED", "given_names": ["Alexa"],
            "family_name": family_name, "birth_date": "1970-01-01", "sex": "FEMALE",
            "postcode": "LU1 1AA", "address_lines": ["1 Example Street"], "phone": None,
            "deceased_at": None, "registered_gp_practice": "E81001", "preferred_language": None,
        }  # fmt: skip
    return Hit(f"patient|{org}|{source_record_id}", source)


def item_hit(
    record_type: str = "result",
    source_record_id: str = "R1",
    *,
    person_id: str = PERSON_A,
    org: str = "RC9",
    confidentiality: Sequence[str] = (),
    deleted: bool = False,
    occurred_at: str = "2024-03-01T09:30:00.000Z",
    local_id: str = "L1",
) -> Hit:
    """A clinical item document (a result by default: haemoglobin 13.2 g/dL), source key
    ``<org>:<local_id>``."""
    content = {
        "result": {"code": {"system": "LOINC", "code": "718-7", "display": "Haemoglobin"},
                   "value_quantity": 13.2, "unit": "g/dL", "status": "FINAL"},
        "medication": {"medication": {"system": "DMD", "code": "1", "display": "Amlodipine"},
                       "status": "ACTIVE", "dose_text": "one daily"},
        "encounter": {"encounter_class": "OUTPATIENT", "status": "FINISHED",
                      "service": "Cardiology"},
        "condition": {"code": {"system": "SNOMED", "code": "38341003",
                               "display": "Hypertension"},
                      "category": "PROBLEM", "clinical_status": "ACTIVE",
                      "verification_status": "CONFIRMED", "onset_date": "2019-05-02"},
        "allergy": {"code": {"system": "SNOMED", "code": "91936005",
                             "display": "Allergy to penicillin"},
                    "clinical_status": "ACTIVE", "verification_status": "CONFIRMED",
                    "allergy_type": "ALLERGY", "categories": ["MEDICATION"],
                    "criticality": "UNABLE_TO_ASSESS", "onset_date": None,
                    "reactions": [{"system": "SNOMED", "code": "271807003", "display": "Rash"}],
                    "reaction_severity": "MODERATE"},
        "immunisation": {"vaccine": {"system": "SNOMED", "code": "1181000221105",
                                     "display": "Influenza vaccine"},
                         "status": "COMPLETED", "occurrence_date": "2023-10-12",
                         "primary_source": True, "lot_number": "FLU-123",
                         "site": "Left upper arm", "route": "Intramuscular", "dose_number": 1,
                         "performer_org": "E81001"},
        "procedure": {"code": {"system": "SNOMED", "code": "80146002",
                               "display": "Appendicectomy"},
                      "status": "COMPLETED", "performed_start": "2024-03-01T09:30:00.000Z",
                      "performed_end": "2024-03-01T10:15:00.000Z", "body_site": "Appendix",
                      "outcome": "Successful",
                      "reasons": [{"system": "SNOMED", "code": "74400008",
                                   "display": "Appendicitis"}],
                      "performer_org": "RC9"},
        "document": {"type": {"system": "LOINC", "code": "18842-5",
                              "display": "Discharge summary"},
                     "status": "CURRENT", "date": "2024-03-02T16:00:00.000Z",
                     "description": "Discharge summary", "author_org": "RC9",
                     "title": "Discharge summary", "content_type": "application/pdf",
                     "url": "https://documents.example.nhs.uk/RC9/ds-1.pdf", "data": None,
                     "size": 48213},
    }[record_type]  # fmt: skip
    source: dict[str, Any] = {
        "doc_kind": "item", "record_type": record_type, "person_id": person_id,
        "source_key": f"{org}:{local_id}", "org": org, "source_system": "Medway PAS",
        "source_record_id": source_record_id, "record_version": 1, "deleted": deleted,
        "confidentiality": list(confidentiality), "occurred_at": occurred_at,
        "recorded_at": occurred_at,
    }  # fmt: skip
    if not deleted:
        source[record_type] = content
    return Hit(f"{record_type}|{org}|{source_record_id}", source)


def objection(org: str = "E81001") -> Preference:
    """A live objection to the shared care record."""
    return Preference(org, "C1", 1, Scope.SHARED_CARE_RECORD, Decision.DENY)


def withholding(*record_ids: str, org: str = "RC9") -> Preference:
    """A request to withhold ``record_ids`` of ``org``."""
    return Preference(
        org, "C2", 1, Scope.ITEM_WITHHELD, Decision.DENY, withheld_record_ids=frozenset(record_ids)
    )


def state(*preferences: Preference) -> ConsentState:
    """The consent state of ``preferences``."""
    return fold(preferences)


def alone(own: ConsentState, person_id: str = PERSON_A) -> ReadConsent:
    """Consent at read for one person's documents, no source key moved elsewhere."""
    return ReadConsent({person_id: own})


def _within(hit: Hit, page: Page) -> bool:
    """Whether ``hit`` is on ``page``'s narrowed view (one item, a date range)."""
    occurred = str(hit.source.get("occurred_at") or "")
    return (
        (page.item_id is None or hit.doc_id == page.item_id)
        and (page.since is None or occurred >= page.since)
        and (page.before is None or occurred < page.before)
    )


class FakeRecords:
    """The record index as lists of hits; ``down`` makes every read fail as OpenSearch would."""

    def __init__(self, hits: Iterable[Hit] = (), *, down: bool = False) -> None:
        self.hits = list(hits)
        self.down = down

    def _live(self, hits: Iterable[Hit]) -> list[Hit]:
        if self.down:
            raise RecordUnavailableError("record: OpenSearch unreachable")
        return [hit for hit in hits if hit.source.get("deleted") is False]

    def patients_by_nhs_number(self, nhs: str) -> list[Hit]:
        return self._live(
            h for h in self.hits if (h.source.get("patient") or {}).get("nhs_number") == nhs
        )

    def patients_by_name(self, family_name: str, birth_date: str) -> list[Hit]:
        return self._live(
            h
            for h in self.hits
            if (h.source.get("patient") or {}).get("family_name", "").lower() == family_name.lower()
            and h.source["patient"]["birth_date"] == birth_date
        )

    def persons_hiding_contact(self, person_ids: Sequence[str]) -> set[str]:
        return {
            h.person_id
            for h in self._live(self.hits)
            if h.person_id in person_ids
            and h.source["doc_kind"] == "patient"
            and "V" in h.source["confidentiality"]
        }

    def item_owner(self, doc_id: str) -> str | None:
        found = [h for h in self._live(self.hits) if h.doc_id == doc_id]
        return found[0].person_id if found else None

    def person_record(
        self,
        person_id: str,
        record_types: Sequence[str],
        page: Page,
        *,
        first_pages_of: Sequence[str] = (),
    ) -> PersonDocuments:
        mine = self._live(h for h in self.hits if h.person_id == person_id)
        patients = tuple(h for h in mine if h.source["doc_kind"] == "patient")

        def page_of(rt: str, page: Page) -> ItemPage:
            items = [h for h in mine if h.source.get(rt) is not None and _within(h, page)]
            start = (page.number - 1) * page.size
            return ItemPage(len(items), tuple(items[start : start + page.size]))

        pages = {rt: page_of(rt, page) for rt in record_types}
        first = {rt: page_of(rt, Page()) for rt in first_pages_of}
        keys = frozenset(h.source_key for h in mine if h.source["doc_kind"] in {"item", "patient"})
        return PersonDocuments(patients, pages, keys, first)

    def timeline(
        self, person_id: str, query: TimelineQuery, record_types: Sequence[str]
    ) -> ItemPage:
        mine = self._live(h for h in self.hits if h.person_id == person_id)
        found = [h for h in mine if _matches(h, query, record_types)]
        found.sort(key=lambda h: str(h.source.get("occurred_at") or ""), reverse=True)
        start = (query.page - 1) * query.page_size
        return ItemPage(len(found), tuple(found[start : start + query.page_size]))


def _words(value: Any) -> str:
    """Every display and text of ``value`` (an item's own fields), lower case."""
    if isinstance(value, Mapping):
        return " ".join(_words(v) for v in value.values())
    if isinstance(value, list | tuple):
        return " ".join(_words(v) for v in value)
    return value.lower() if isinstance(value, str) else ""


def _codes(value: Any) -> set[str]:
    if isinstance(value, Mapping):
        own = {str(value["code"])} if isinstance(value.get("code"), str) else set()
        return own.union(*(_codes(v) for v in value.values()))
    if isinstance(value, list | tuple):
        return set().union(*(_codes(v) for v in value))
    return set()


def _matches(hit: Hit, query: TimelineQuery, record_types: Sequence[str]) -> bool:
    """The timeline filters as the index applies them (text: every word in the item text)."""
    source = hit.source
    fields = source.get(str(source.get("record_type"))) or {}
    day = str(source.get("occurred_at") or "")[:10]
    return (
        source.get("doc_kind") == "item"
        and source.get("record_type") in record_types
        and (not query.orgs or source.get("org") in query.orgs)
        and (query.since is None or day >= query.since.isoformat())
        and (query.until is None or day <= query.until.isoformat())
        and (query.code is None or query.code in _codes(fields))
        and (query.text is None or set(query.text.lower().split()) <= set(_words(fields).split()))
    )


class FakeConsent:
    """Consent states by person (empty for anyone else) and source-key owners (after a merge
    or unmerge); remembers who and which keys were asked about."""

    def __init__(
        self,
        states: dict[str, ConsentState] | None = None,
        owners: Mapping[str, str] | None = None,
    ) -> None:
        self.by_person = states or {}
        self.by_key = dict(owners or {})
        self.asked: list[str] = []
        self.asked_keys: list[str] = []

    def states(self, person_ids: Iterable[str]) -> dict[str, ConsentState]:
        ids = list(person_ids)
        self.asked.extend(ids)
        return {p: self.by_person.get(p, ConsentState()) for p in ids}

    def owners(self, source_keys: Iterable[str]) -> dict[str, str]:
        keys = list(source_keys)
        self.asked_keys.extend(keys)
        return {key: self.by_key[key] for key in keys if key in self.by_key}

    def source_keys(self, person_id: str) -> list[str]:
        return sorted(key for key, person in self.by_key.items() if person == person_id)


class FakeAudit:
    """Audit rows in a list; ``fail`` makes every append fail like a lost database."""

    def __init__(self, *, fail: bool = False) -> None:
        self.entries: list[AuditEntry] = []
        self.fail = fail

    def append(self, entry: AuditEntry) -> None:
        if self.fail:
            raise AuditError("audit log: the row was not written")
        self.entries.append(entry)


GP_ROLE = Role(PersonRoleId("555000001001"), OdsCode("E81001"), "S8000:G8000:R8000",
               "Clinical Practitioner Access Role")  # fmt: skip
OTHER_ROLE = Role(PersonRoleId("555000001009"), OdsCode("RWK"), "S8000:G8000:R8000",
                  "Clinical Practitioner Access Role")  # fmt: skip
GP = Principal(UserId("555000000001"), "sub-gp", (GP_ROLE, OTHER_ROLE), GP_ROLE, 3)
GP_TOKEN = "gp-token"


class FakeAuthenticator:
    """Known tokens by value; any other token is refused as a bad signature, ``expired`` as
    expired; ``down`` makes the issuer unreachable."""

    def __init__(self, *, down: bool = False) -> None:
        self.users = {GP_TOKEN: GP}
        self.down = down

    def authenticate(self, token: str) -> Principal:
        if self.down:
            raise IdentityProviderError("issuer unreachable (URLError)")
        if token == "expired":
            raise ExpiredTokenError("token has expired")
        if token not in self.users:
            raise SignatureError("signature does not verify")
        return self.users[token]


class FakeCareStore:
    """Break-glass openings and reports kept in memory (the real store is PostgreSQL's)."""

    def __init__(self) -> None:
        self.grants: list[Any] = []

    def active(self, user_id: str, person_id: str, now: datetime) -> Any:
        live = [g for g in self.grants
                if (g.user_id, g.person_id) == (user_id, person_id) and g.expires_at > now]  # fmt: skip
        return live[-1] if live else None

    def open(self, grant: Any) -> Any:
        self.grants.append(grant)
        return grant

    def access_report(self, person_id: str, since: Any, until: Any) -> list[Any]:
        return []

    def break_glass_review(self, since: Any, until: Any) -> list[Any]:
        return []


class FakeObjections:
    """Collects the consent events the service publishes."""

    def __init__(self, ok: bool = True) -> None:
        self.events: list[Any] = []
        self.ok = ok

    def publish(self, event: Any) -> bool:
        self.events.append(event)
        return self.ok


def governance(store: FakeCareStore | None = None, objections: FakeObjections | None = None) -> Any:
    """The packaged access policy with in-memory break-glass and objection sinks."""
    from datetime import timedelta

    from consumers.api.authz import load_policy
    from consumers.api.governance import Governance

    return Governance(load_policy(), store or FakeCareStore(), objections or FakeObjections(),
                      timedelta(days=365), timedelta(minutes=60))  # fmt: skip
