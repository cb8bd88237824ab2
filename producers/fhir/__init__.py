"""FHIR R4 adapter: pure mapping of FHIR resources and Bundles (JSON, or XML via
:func:`parse_fhir_xml`) to My Care Record source events. No I/O: the caller reads the file
and publishes the events."""

from producers.fhir.adapter import events_from_fhir
from producers.fhir.errors import FhirDocumentError, FhirError, FhirXmlError, MappingError
from producers.fhir.xml import parse_fhir_xml

__all__ = [
    "FhirDocumentError",
    "FhirError",
    "FhirXmlError",
    "MappingError",
    "events_from_fhir",
    "parse_fhir_xml",
]
