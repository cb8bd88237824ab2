"""What FHIR XML does not say and FHIR JSON needs: which elements repeat, which are numbers.

FHIR JSON writes every element whose cardinality is above one as an array, even with one
item, and decimals, integers and booleans as JSON numbers and booleans. XML shows neither,
so these tables hold the R4 definitions for the resources we map (Patient, Observation,
DiagnosticReport, MedicationRequest/Statement, Medication, Encounter, Consent, Bundle) and
the data types they use. A name's cardinality can depend on its parent (``Patient.name``
repeats, ``Patient.contact.name`` does not), hence the per-parent rules. Elements of other
resources follow the same name rules, which is right for most and close for the rest.
"""

from __future__ import annotations

# fmt: off
ALWAYS_REPEATING = frozenset({
    # data types and resource infrastructure
    "extension", "modifierExtension", "coding", "given", "prefix", "suffix", "line", "telecom",
    "contained", "profile", "security", "tag", "note",
    # Bundle, Patient
    "entry", "link", "communication", "generalPractitioner", "contact", "relationship",
    # Observation, DiagnosticReport
    "component", "referenceRange", "interpretation", "hasMember", "derivedFrom", "basedOn",
    "partOf", "result", "conclusionCode", "presentedForm", "media", "resultsInterpreter",
    "imagingStudy",
    # MedicationRequest/Statement, Medication, Timing
    "dosageInstruction", "doseAndRate", "additionalInstruction", "reasonCode",
    "reasonReference", "insurance", "supportingInformation", "detectedIssue", "eventHistory",
    "instantiatesCanonical", "instantiatesUri", "ingredient", "dayOfWeek", "timeOfDay", "when",
    "event",
    # Encounter
    "statusHistory", "classHistory", "episodeOfCare", "participant", "diagnosis", "account",
    # Consent
    "policy", "verification", "actor", "action", "purpose", "securityLabel",
    # others met in our fixtures
    "qualification", "section", "attester", "reaction", "manifestation", "protocolApplied",
    "parameter", "part", "issue", "answer",
})

REPEATING_UNDER: dict[str, frozenset[str]] = {
    "name": frozenset({"Patient", "Practitioner", "RelatedPerson", "Person"}),
    "address": frozenset({"Patient", "Practitioner", "RelatedPerson", "Person", "Organization"}),
    "type": frozenset({"Encounter", "Location", "Organization", "HealthcareService",
                       "EpisodeOfCare", "participant"}),
    "specimen": frozenset({"DiagnosticReport", "ServiceRequest"}),
    "location": frozenset({"Encounter"}),
    "provision": frozenset({"provision"}),
    # Consent.provision.data repeats; an Attachment's base64 ``data`` does not.
    "data": frozenset({"provision"}),
    "code": frozenset({"provision"}),
    "class": frozenset({"provision"}),
    "dosage": frozenset({"MedicationStatement"}),
    "organization": frozenset({"Consent"}),
    "focus": frozenset({"Observation"}),
    "author": frozenset({"Composition", "DocumentReference"}),
    "serviceType": frozenset({"HealthcareService", "Appointment", "Schedule", "Slot"}),
    "item": frozenset({"Questionnaire", "QuestionnaireResponse", "item"}),
}

_SINGLE_CATEGORY = frozenset({"MedicationStatement", "MedicationAdministration",
                              "MedicationDispense"})
_SINGLE_IDENTIFIER = frozenset({"Bundle", "Composition", "QuestionnaireResponse"})
_SINGLE_PERFORMER = frozenset({"MedicationRequest"})

NUMBER_NAMES = frozenset({
    "frequency", "frequencyMax", "period", "periodMax", "duration", "durationMax", "count",
    "countMax", "offset", "numberOfRepeatsAllowed", "rank", "sequence", "total", "score",
    "factor", "numberOfSeries", "numberOfInstances",
})
NUMBER_SUFFIXES = ("Integer", "Decimal", "PositiveInt", "UnsignedInt")
BOOLEAN_NAMES = frozenset({
    "active", "preferred", "userSelected", "doNotPerform", "experimental", "abstract",
    "immutable", "isBrand", "isOverTheCounter", "primarySource", "isSubpotent",
    "wasSubstituted", "required", "repeats", "readOnly",
})
QUANTITY_PARENTS = frozenset({
    "low", "high", "numerator", "denominator", "quantity", "doseQuantity", "rateQuantity",
    "maxDosePerLifetime", "maxDosePerAdministration", "expectedSupplyDuration",
    "dispenseInterval", "boundsDuration", "amount",
})
# fmt: on
QUANTITY_SUFFIXES = ("Quantity", "Age", "Duration", "Distance", "Count", "Money")


def is_repeating(parent: str, name: str) -> bool:
    """True when ``parent.name`` has cardinality above one (so JSON makes it an array)."""
    if name in ALWAYS_REPEATING:
        return True
    resource_parent = parent[:1].isupper()
    if name == "identifier":
        return resource_parent and parent not in _SINGLE_IDENTIFIER
    if name == "category":
        return resource_parent and parent not in _SINGLE_CATEGORY
    if name == "performer":
        return parent not in _SINGLE_PERFORMER
    return parent in REPEATING_UNDER.get(name, frozenset())


def is_number(parent: str, name: str) -> bool:
    """True when a primitive ``parent.name`` is a decimal or integer."""
    if name in NUMBER_NAMES or name.endswith(NUMBER_SUFFIXES):
        return True
    return name == "value" and (parent in QUANTITY_PARENTS or parent.endswith(QUANTITY_SUFFIXES))


def is_boolean(name: str) -> bool:
    """True when a primitive element named ``name`` is a boolean."""
    return name in BOOLEAN_NAMES or name.endswith("Boolean")
