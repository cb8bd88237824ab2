"""ODS codes of organisations referenced by a resource (GP practice, laboratory, prescriber).

An ODS code is read from the Reference's own ``identifier`` or from the identifiers of the
Organization it resolves to in the document; a PractitionerRole resolves to its organization.
Names of people are never read here.
"""

from __future__ import annotations

from producers.fhir.document import Document
from producers.fhir.elements import Json, items, string

ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"


def ods_code(references: list[Json], doc: Document, *, within: Json) -> str | None:
    """The first ODS code among ``references``, preferring identifiers without an ended
    ``period`` (a past registration is used only when nothing current is given)."""
    found: list[tuple[bool, str]] = []
    for reference in references:
        target = _organisation(doc.resolve(reference, within=within), doc, within)
        for identifier in items(reference, "identifier") + items(target, "identifier"):
            value = string(identifier, "value")
            if string(identifier, "system") == ODS_SYSTEM and value:
                found.append((_ended(identifier), value))
    found.sort(key=lambda pair: pair[0])  # stable: current ones first, in document order
    return found[0][1] if found else None


def _organisation(target: Json | None, doc: Document, within: Json) -> Json | None:
    if target is None:
        return None
    kind = target.get("resourceType")
    if kind == "Organization":
        return target
    if kind == "PractitionerRole":
        organization = target.get("organization")
        if isinstance(organization, dict):
            resolved = doc.resolve(organization, within=within)
            holder = {
                "identifier": items(organization, "identifier") + items(resolved, "identifier")
            }
            return holder
    return None


def _ended(identifier: Json) -> bool:
    period = identifier.get("period")
    return isinstance(period, dict) and string(period, "end") is not None
