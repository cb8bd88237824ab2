"""Errors of the FHIR adapter.

::

    McrError
    └── FhirError
        ├── FhirXmlError       the text is not FHIR XML we can read (parse_fhir_xml)
        ├── FhirDocumentError  the document is not a FHIR resource at all (events_from_fhir)
        └── MappingError       one resource cannot be mapped; the adapter turns it into a
                               Rejection and carries on with the rest of the document

Messages name the field and the rule (``Observation.code: no coding``) and never a value
that could be a patient's data.
"""

from __future__ import annotations

from mcr.core.errors import McrError


class FhirError(McrError):
    """Base class of the FHIR adapter's errors."""


class FhirXmlError(FhirError):
    """The text is not well-formed FHIR XML, or uses a construct we refuse (DTDs, entities)."""


class FhirDocumentError(FhirError):
    """The input is not a FHIR resource (not an object, or no ``resourceType``)."""


class MappingError(FhirError):
    """One resource (or part of it) cannot become an event; the message is the field-level
    reason recorded in the Rejection."""
