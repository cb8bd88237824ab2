"""Validation of what the FHIR API serves, offline: each resource (and each resource inside a
Bundle) is parsed by the ``fhir.resources`` R4B (4.3.0) model of its type, which checks element
names (unknown ones are errors), cardinalities, required elements, primitive formats and
choice types. R4B is R4 with a few resource types added; the types served here are unchanged
between them. No Java validator could be fetched (docs/fhir.md, "Validation")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

__all__ = ["REQUIRED_CODES", "code_problems", "invalid", "problems"]


def invalid(resource: Mapping[str, Any]) -> list[str]:
    """Every problem: the model's and the required codes'."""
    return problems(resource) + code_problems(resource)


def problems(resource: Mapping[str, Any]) -> list[str]:
    """What is wrong with ``resource`` against the R4B model of its type (none when valid)."""
    kind = str(resource.get("resourceType", ""))
    try:
        model = get_fhir_model_class(kind)
    except ValueError:
        return [f"resourceType: not a FHIR resource type ({kind!r})"]
    try:
        model.model_validate(dict(resource))
    except ValidationError as exc:
        return [f"{kind}.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
    return []


#: The R4 value sets of the required bindings of the elements served: the models check an
#: element's form, not its code, so these are checked here (hl7.org/fhir/R4, each resource's
#: "Terminology Bindings").
REQUIRED_CODES: Mapping[tuple[str, str], frozenset[str]] = {
    ("Observation", "status"): frozenset({
        "registered", "preliminary", "final", "amended", "corrected", "cancelled",
        "entered-in-error", "unknown",
    }),
    ("MedicationStatement", "status"): frozenset({
        "active", "completed", "entered-in-error", "intended", "stopped", "on-hold", "unknown",
        "not-taken",
    }),
    ("Encounter", "status"): frozenset({
        "planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled",
        "entered-in-error", "unknown",
    }),
    ("Patient", "gender"): frozenset({"male", "female", "other", "unknown"}),
    ("Bundle", "type"): frozenset({
        "document", "message", "transaction", "transaction-response", "batch",
        "batch-response", "history", "searchset", "collection",
    }),
}  # fmt: skip


def code_problems(resource: Mapping[str, Any]) -> list[str]:
    """Codes outside the required R4 value sets, in ``resource`` and its Bundle entries."""
    kind = str(resource.get("resourceType", ""))
    found = [
        f"{kind}.{element}: {resource[element]!r} is not in the required value set"
        for (rt, element), codes in REQUIRED_CODES.items()
        if rt == kind and element in resource and resource[element] not in codes
    ]
    for entry in resource.get("entry", ()):
        found += code_problems(entry.get("resource", {}))
    return found
