"""The CapabilityStatement: exactly what ``/fhir/R4`` serves, built from the same tables the
routes use (:data:`~consumers.api.fhir.mapping.RESOURCES`), so it cannot drift. Pure."""

from __future__ import annotations

from typing import Any

from consumers.api.fhir.mapping import RESOURCES, ResourceKind
from consumers.api.fhir.search import PAGE_TOKEN

__all__ = ["capability_statement"]

_PATIENT_SEARCH = [
    ("identifier", "token", "https://fhir.nhs.uk/Id/nhs-number|<NHS number>"),
    ("name", "string", "the family name; only with birthdate"),
    ("birthdate", "date", "YYYY-MM-DD; only with name"),
]


#: An attached document's bytes, the url of its DocumentReference's attachment.
_BINARY = {
    "type": "Binary",
    "interaction": [{"code": "read"}],
    "documentation": "An attached document's bytes (Accept: application/fhir+json for a Binary).",
}


def _param(name: str, kind: str, doc: str) -> dict[str, str]:
    return {"name": name, "type": kind, "documentation": doc}


def _item_resource(kind: ResourceKind) -> dict[str, Any]:
    category = kind.category
    codes = f"{category.system} codes ({', '.join(category.codes)})" if category else ""
    by_category = [_param("category", "token", f"{codes}, any of them comma-separated")]
    return {
        "type": kind.resource_type,
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchParam": [
            _param("patient", "reference", "Patient/<id>; required (or subject)"),
            _param("subject", "reference", "Patient/<id>; required (or patient)"),
            _param(kind.date_param, "date", "YYYY-MM-DD, eq/ge/gt/le/lt; twice for a range"),
            *(by_category if category else []),
            _param("_count", "number", "page size, 1-100 (default 50)"),
            _param(PAGE_TOKEN, "string", "opaque: only from a next link"),
        ],
    }


def capability_statement(*, base: str, version: str, date: str) -> dict[str, Any]:
    """The CapabilityStatement of the server at ``base`` (``.../fhir/R4``)."""
    patient = {
        "type": "Patient",
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchParam": [_param(*p) for p in _PATIENT_SEARCH],
        "operation": [
            {"name": "everything",
             "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"},
        ],
    }  # fmt: skip
    items = [_item_resource(kind) for kind in RESOURCES.values()]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "kind": "instance",
        "software": {"name": "My Care Record", "version": version},
        "implementation": {"description": "My Care Record FHIR R4 read API", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Read only. Bearer token (OIDC) and X-MCR-Purpose: direct-care required; "
                    "consent at read, role, care relationship or break-glass, and an audit "
                    "row per request, as for the clinician viewer."
                ),
                "security": {
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "OAuth",
                                }
                            ]
                        }
                    ],
                    "description": "OIDC bearer tokens of the configured issuer.",
                },
                "resource": [patient, *items, _BINARY],
            }
        ],
    }
