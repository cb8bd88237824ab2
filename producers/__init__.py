"""Producers: SDK for source systems, FHIR R4 and HL7 v2 adapters, synthetic region."""
