"""Validation of what the FHIR API serves, offline, three ways (docs/fhir.md, "Validation"):

- **HAPI FHIR R4** (``fhir_check/FhirCheck.java``, one JVM per test session on the jars of
  ``fhir_check/pom.xml``, fetched from Maven Central into the cache once like the Strimzi
  check's): HAPI's R4 parser in strict mode (unknown elements, wrong types, codes outside
  required bindings, malformed primitives) and HAPI's schema validator against the official R4
  XSDs (element order, cardinalities, primitive patterns);
- the ``fhir.resources`` R4B (4.3.0) model of each resource type (required elements, choice
  types, unknown elements; R4B differs from R4 in types this API does not serve);
- the codes of the required bindings of the elements served (:data:`REQUIRED_CODES`).

HAPI's instance validator (``hapi-fhir-validation``: invariants, profiles, terminology) could
not be fetched here."""

from __future__ import annotations

import atexit
import json
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from deploy.local import runtimes
from deploy.local.settings import StackSettings

__all__ = [
    "HAPI_VERSION",
    "REQUIRED_CODES",
    "HapiCheck",
    "code_problems",
    "hapi_classpath",
    "hapi_problems",
    "invalid",
    "problems",
]

HAPI_VERSION = "8.12.1"
#: Messages of a known error of the R4 XSDs, ignored: medicationstatement.xsd types ``status``
#: as Medication's status codes (active, inactive, entered-in-error) instead of the
#: MedicationStatement status value set of the R4 definitions. HAPI's strict parser checks that
#: element against the right value set, and so does :data:`REQUIRED_CODES`.
_XSD_ERRATA = (
    "with respect to enumeration '[active, inactive, entered-in-error]'",
    "is not valid with respect to its type, 'MedicationStatusCodes-list'",
)
_CHECK = Path(__file__).resolve().parent / "fhir_check"
_POM = _CHECK / "pom.xml"


def invalid(resource: Mapping[str, Any]) -> list[str]:
    """Every problem: HAPI's, the R4B model's and the required codes'."""
    return hapi_problems(resource) + problems(resource) + code_problems(resource)


def hapi_classpath(cache_dir: Path) -> Path:
    """The folder of the HAPI FHIR jars, fetched into ``cache_dir`` on first use.
    Raises RuntimeFetchError when Maven is missing or fails."""
    return runtimes.dependency_folder(_POM, cache_dir / f"hapi-fhir-r4-{HAPI_VERSION}")


class HapiCheck:
    """``FhirCheck.java`` running in one JVM: a resource per line in, its problems out."""

    def __init__(self, libs: Path) -> None:
        self._lock = threading.Lock()
        self._java = subprocess.Popen(
            ["java", "-cp", f"{libs}/*", str(_CHECK / "FhirCheck.java")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, encoding="utf-8",
        )  # fmt: skip

    def problems(self, resource: Mapping[str, Any]) -> list[str]:
        """HAPI's problems with ``resource`` (none when it is valid R4)."""
        assert self._java.stdin is not None and self._java.stdout is not None
        with self._lock:
            self._java.stdin.write(json.dumps(resource, ensure_ascii=False) + "\n")
            self._java.stdin.flush()
            line = self._java.stdout.readline()
        if not line:
            raise RuntimeError(f"FhirCheck.java stopped (exit {self._java.poll()})")
        found = [problem for problem in line.rstrip("\n").split("\t") if problem]
        return [p for p in found if not any(erratum in p for erratum in _XSD_ERRATA)]

    def close(self) -> None:
        if self._java.stdin is not None:
            self._java.stdin.close()
        self._java.wait(timeout=30)


_checker: HapiCheck | None = None


def hapi_problems(resource: Mapping[str, Any]) -> list[str]:
    """HAPI's problems with ``resource``, from the session's one JVM (started on first use)."""
    global _checker  # noqa: PLW0603 - one JVM per test session, started when first needed
    if _checker is None:
        _checker = HapiCheck(hapi_classpath(StackSettings.from_env().cache_dir))
        atexit.register(_checker.close)
    return _checker.problems(resource)


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
    ("AllergyIntolerance", "type"): frozenset({"allergy", "intolerance"}),
    ("AllergyIntolerance", "criticality"): frozenset({"low", "high", "unable-to-assess"}),
    ("Immunization", "status"): frozenset({"completed", "entered-in-error", "not-done"}),
    ("Procedure", "status"): frozenset({
        "preparation", "in-progress", "not-done", "on-hold", "stopped", "completed",
        "entered-in-error", "unknown",
    }),
    ("DocumentReference", "status"): frozenset({"current", "superseded", "entered-in-error"}),
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
