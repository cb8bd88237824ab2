"""The FHIR R4 read API (docs/fhir.md): ``mapping`` (record -> resources, pure), ``search``
(parameters, page tokens, Bundles, OperationOutcomes, pure), ``capability`` (the
CapabilityStatement, pure) and ``routes`` (thin: the record routes' decisions, then the mapping).
"""
