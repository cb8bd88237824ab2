"""Consent -> consent event (schema ``consent``): scope, decision, withheld items, end date.

Scope, first rule that applies:

1. ITEM_WITHHELD: a provision that is not ``permit`` names data (``provision.data``); the
   decision is DENY and ``withheld_record_ids`` are the ``Type/id`` of the named resources.
2. TYPE_1_OPT_OUT: any coding in category, policyRule or provision.code is
   SNOMED CT 827241000000103 / Read v2 9Nu0 "dissent from secondary use of GP patient
   identifiable data" (DENY) or SNOMED CT 827261000000102 / Read v2 9Nu1 "dissent withdrawn"
   (PERMIT).
3. NATIONAL_DATA_OPT_OUT: a provision purpose of v3-ActReason HRESCH (research) or HOPERAT
   (planning and operations), or category ``NOOM`` (NHS national opt-out model).
4. SHARED_CARE_RECORD: scope ``patient-privacy``, or category LOINC 59284-0 (patient consent)
   or 64292-6 (release of information), or v3-ActCode INFA, INFAO, INFASO, IDSCL.

Anything else (treatment, research or advance-directive consents) is skipped as
``Consent(<scope code>)``; so are ``draft``, ``proposed`` and ``rejected`` consents (not in
force).

Decision for rules 3 and 4: the top provision's ``type``, else policyRule OPTIN/OPTINR ->
PERMIT and OPTOUT/OPTOUTE -> DENY, else an information-access category (INFA, INFAO,
INFASO) -> PERMIT, else rejected. ConsentEvent v1 cannot scope a decision to actors,
actions, purposes, periods or security labels, so a ``deny`` anywhere in the provision tree
makes the whole decision DENY: we err on the side of not sharing.

effective_to: the top provision's period end; for an ``inactive`` consent without one, the
time it was recorded (it is no longer in force).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from producers.fhir.codes import SNOMED_URI
from producers.fhir.document import reference_parts
from producers.fhir.elements import Json, child, codings, items, meta_of, string
from producers.fhir.errors import MappingError
from producers.fhir.header import Context, header
from producers.fhir.identity import referenced_patient
from producers.fhir.skips import Skip
from producers.fhir.times import first_timestamp, timestamp_at
from schemas.events import RecordType, SourceEvent

_READ_V2 = "http://read.info/readv2"
_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
_LOINC = "http://loinc.org"
TYPE_1_CODES: dict[tuple[str, str], str] = {
    (SNOMED_URI, "827241000000103"): "DENY",
    (_READ_V2, "9Nu0"): "DENY",
    (SNOMED_URI, "827261000000102"): "PERMIT",
    (_READ_V2, "9Nu1"): "PERMIT",
}
NATIONAL_OPT_OUT_PURPOSES = frozenset({(_ACT_REASON, "HRESCH"), (_ACT_REASON, "HOPERAT")})
SHARING_CATEGORIES = frozenset(
    {
        (_LOINC, "59284-0"),
        (_LOINC, "64292-6"),
        (_ACT_CODE, "INFA"),
        (_ACT_CODE, "INFAO"),
        (_ACT_CODE, "INFASO"),
        (_ACT_CODE, "IDSCL"),
    }
)
_ACCESS_CATEGORIES = frozenset({(_ACT_CODE, "INFA"), (_ACT_CODE, "INFAO"), (_ACT_CODE, "INFASO")})
POLICY_DECISION = {"OPTIN": "PERMIT", "OPTINR": "PERMIT", "OPTOUT": "DENY", "OPTOUTE": "DENY"}
_NOT_IN_FORCE = frozenset({"draft", "proposed", "rejected"})
_IN_FORCE = frozenset({"active", "inactive", "entered-in-error"})


def map_consent(ctx: Context) -> list[SourceEvent] | Skip:
    """One consent event, or why the Consent is skipped."""
    consent = ctx.resource
    status = string(consent, "status") or ""
    if status in _NOT_IN_FORCE:
        return Skip(f"Consent({status})")
    if status not in _IN_FORCE:
        raise MappingError("Consent.status: missing or not an R4 status")
    rule = _scope_and_decision(consent, ctx)
    if isinstance(rule, Skip):
        return rule
    scope, decision, withheld = rule
    patient = referenced_patient(consent, "patient", ctx.document)
    occurred, recorded = _times(consent)
    ends = timestamp_at(
        child(child(consent, "provision"), "period"), "end", "Consent.provision.period.end"
    )
    payload = {
        "header": header(
            ctx, RecordType.CONSENT, patient=patient, occurred_at=occurred, recorded_at=recorded
        ),
        "scope": scope,
        "decision": decision,
        "withheld_record_ids": withheld,
        "effective_to": ends or (recorded if status == "inactive" else None),
    }
    return [SourceEvent(RecordType.CONSENT, payload)]


def _scope_and_decision(consent: Json, ctx: Context) -> tuple[str, str, list[str]] | Skip:
    withheld = _withheld(consent, ctx)
    if withheld:
        return "ITEM_WITHHELD", "DENY", withheld
    codes = _codes(consent)
    type_1 = [TYPE_1_CODES[code] for code in codes if code in TYPE_1_CODES]
    if type_1:
        return "TYPE_1_OPT_OUT", "DENY" if "DENY" in type_1 else "PERMIT", []
    purposes = {
        (string(p, "system") or "", string(p, "code") or "")
        for provision in _provisions(consent)
        for p in items(provision, "purpose")
    }
    if purposes & NATIONAL_OPT_OUT_PURPOSES or any(code == "NOOM" for _, code in codes):
        return "NATIONAL_DATA_OPT_OUT", _decision(consent, codes), []
    scope = {(string(c, "system"), string(c, "code")) for c in codings(child(consent, "scope"))}
    if codes & SHARING_CATEGORIES or any(code == "patient-privacy" for _, code in scope):
        return "SHARED_CARE_RECORD", _decision(consent, codes), []
    label = next((str(code) for _, code in sorted(scope, key=str)), "unscoped")
    return Skip(f"Consent({label})")


def _decision(consent: Json, codes: set[tuple[str, str]]) -> str:
    provisions = list(_provisions(consent))
    if any(p.get("type") == "deny" for p in provisions):
        return "DENY"
    top = child(consent, "provision")
    if string(top, "type") == "permit":
        return "PERMIT"
    policy = {code for system, code in codes if system == _ACT_CODE and code in POLICY_DECISION}
    if policy:
        return "DENY" if any(POLICY_DECISION[c] == "DENY" for c in policy) else "PERMIT"
    if codes & _ACCESS_CATEGORIES:
        return "PERMIT"
    raise MappingError("Consent.provision.type: no decision (no provision.type or policyRule)")


def _withheld(consent: Json, ctx: Context) -> list[str]:
    ids: list[str] = []
    for provision in _provisions(consent):
        if provision.get("type") == "permit":
            continue  # data a permit names is shared, not withheld
        for data in items(provision, "data"):
            ids.append(_record_id(child(data, "reference"), consent, ctx))
    return sorted(set(ids))


def _record_id(reference: Json | None, consent: Json, ctx: Context) -> str:
    target = ctx.document.resolve(reference, within=consent)
    if target is not None and string(target, "id"):
        return f"{target['resourceType']}/{target['id']}"
    full_url = ctx.document.full_url_of(target) if target is not None else None
    if target is not None and full_url and full_url.startswith("urn:uuid:"):
        return f"{target['resourceType']}/{full_url.removeprefix('urn:uuid:')}"
    parts = reference_parts(string(reference, "reference") or "")
    if parts is None:
        raise MappingError("Consent.provision.data.reference: not found in the document")
    return "/".join(parts)


def _codes(consent: Json) -> set[tuple[str, str]]:
    """Every (system, code) of category, policyRule and provision codes."""
    concepts = items(consent, "category") + items(consent, "policyRule")
    concepts += [c for provision in _provisions(consent) for c in items(provision, "code")]
    return {
        (string(c, "system") or "", string(c, "code") or "")
        for concept in concepts
        for c in codings(concept)
    }


def _provisions(consent: Json) -> Iterator[Json]:
    """The top provision and every nested one, depth first."""
    stack = items(consent, "provision")
    while stack:
        provision = stack.pop(0)
        yield provision
        stack[:0] = items(provision, "provision")


def _times(consent: Json) -> tuple[datetime, datetime]:
    updated = (meta_of(consent), "lastUpdated", "Consent.meta.lastUpdated")
    own = (consent, "dateTime", "Consent.dateTime")
    start = (
        child(child(consent, "provision"), "period"),
        "start",
        "Consent.provision.period.start",
    )
    occurred = first_timestamp(own, start, updated)
    if occurred is None:
        raise MappingError(
            "Consent.dateTime: missing (and no provision.period.start or meta.lastUpdated)"
        )
    return occurred, first_timestamp(updated, own) or occurred
