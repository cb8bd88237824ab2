"""Is a source event fit to publish? Every problem, as a field path and a rule. Pure.

Two layers, both run so the caller sees *all* problems at once:

1. shape: the payload fits the newest Avro schema of its record type (types, required fields,
   enum values such as code systems, unknown fields), from :mod:`schemas.conformance`;
2. meaning: rules the schema cannot express (non-empty ids, NHS number check digit, a
   VERIFIED status needs a number, plausible dates, ordered periods, non-negative versions).

Paths start with the record type (``result.code.system``); rules never quote a value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from producers.sdk.errors import ValidationError
from schemas.attachments import MAX_ATTACHMENT_BYTES
from schemas.conformance import FieldProblem, conformance_problems
from schemas.events import RecordType, SourceEvent
from schemas.nhs_number import is_valid
from schemas.registry import SchemaRegistry, default_registry

EARLIEST_BIRTH_DATE = date(1890, 1, 1)
FUTURE_TOLERANCE = timedelta(days=1)
REQUIRED_HEADER_TEXT = ("event_id", "org", "source_system", "local_patient_id", "source_record_id")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Rule = Callable[[Mapping[str, Any], datetime], Iterator[FieldProblem]]


def validate_event(
    event: SourceEvent, *, now: datetime | None = None, registry: SchemaRegistry | None = None
) -> None:
    """Raise :class:`ValidationError` listing every problem, or return when the event is fit."""
    problems = event_problems(event, now=now, registry=registry)
    if problems:
        raise ValidationError(problems)


def event_problems(
    event: SourceEvent, *, now: datetime | None = None, registry: SchemaRegistry | None = None
) -> list[FieldProblem]:
    """Every problem of ``event`` (empty when it is fit to publish), shape problems first.

    ``now`` (timezone-aware, default: the current time) anchors the "in the future" rules.
    """
    schemas = registry or default_registry()
    kind = event.record_type
    schema = schemas.newest(kind.value).parsed
    found = conformance_problems(schema, event.payload, root=kind.value)
    if not isinstance(event.payload, Mapping):
        return found
    moment = now or datetime.now(UTC)
    for rule in (*_COMMON_RULES, *_RULES_BY_TYPE.get(kind, ())):
        found.extend(
            FieldProblem(f"{kind.value}.{p.path}", p.rule) for p in rule(event.payload, moment)
        )
    return _unique(found)


def _header_text(payload: Mapping[str, Any], _now: datetime) -> Iterator[FieldProblem]:
    header = _record(payload, "header")
    for name in REQUIRED_HEADER_TEXT:
        value = header.get(name)
        if isinstance(value, str) and not value.strip():
            yield FieldProblem(f"header.{name}", "required, must not be empty")
    org = header.get("org")
    if isinstance(org, str) and org.strip() and not org.isalnum():
        yield FieldProblem("header.org", "not an ODS code (letters and digits only)")


def _nhs_number(payload: Mapping[str, Any], _now: datetime) -> Iterator[FieldProblem]:
    header = _record(payload, "header")
    number = header.get("nhs_number")
    if isinstance(number, str):
        if len(number) != 10 or not number.isdigit():
            yield FieldProblem("header.nhs_number", "must be 10 digits (digits only, no spaces)")
        elif not is_valid(number):
            yield FieldProblem("header.nhs_number", "fails the Modulus 11 check")
    if header.get("nhs_number_status") == "VERIFIED" and not number:
        yield FieldProblem("header.nhs_number", "required when nhs_number_status is VERIFIED")
    if number and header.get("local_patient_id") == number:
        # The local id is the Kafka key and is logged: it must never be the NHS number.
        yield FieldProblem("header.local_patient_id", "must not be the NHS number")


def _header_numbers_and_times(payload: Mapping[str, Any], now: datetime) -> Iterator[FieldProblem]:
    header = _record(payload, "header")
    version = header.get("record_version")
    if isinstance(version, int) and version < 0:
        yield FieldProblem("header.record_version", "must be 0 or more")
    for name in ("occurred_at", "recorded_at"):
        yield from _not_future(header.get(name), f"header.{name}", now)


def _patient_dates(payload: Mapping[str, Any], now: datetime) -> Iterator[FieldProblem]:
    born = _as_date(payload.get("birth_date"))
    if born is not None and born > now.date():
        yield FieldProblem("birth_date", "in the future")
    elif born is not None and born < EARLIEST_BIRTH_DATE:
        yield FieldProblem("birth_date", f"before {EARLIEST_BIRTH_DATE.isoformat()}")
    yield from _not_future(payload.get("deceased_at"), "deceased_at", now)
    died = _as_instant(payload.get("deceased_at"))
    if born is not None and died is not None and died.date() < born:
        yield FieldProblem("deceased_at", "before birth_date")


def _encounter_period(payload: Mapping[str, Any], _now: datetime) -> Iterator[FieldProblem]:
    start = _as_instant(payload.get("period_start"))
    end = _as_instant(payload.get("period_end"))
    if start is not None and end is not None and end < start:
        yield FieldProblem("period_end", "before period_start")


def _medication_course(payload: Mapping[str, Any], _now: datetime) -> Iterator[FieldProblem]:
    start = _as_date(payload.get("start_date"))
    end = _as_date(payload.get("end_date"))
    if start is not None and end is not None and end < start:
        yield FieldProblem("end_date", "before start_date")


def _condition_dates(payload: Mapping[str, Any], now: datetime) -> Iterator[FieldProblem]:
    onset = _as_date(payload.get("onset_date"))
    abated = _as_date(payload.get("abatement_date"))
    if onset is not None and onset > now.date() + FUTURE_TOLERANCE:
        yield FieldProblem("onset_date", "more than 1 day in the future")
    if onset is not None and abated is not None and abated < onset:
        yield FieldProblem("abatement_date", "before onset_date")


def _allergy_reactions(payload: Mapping[str, Any], now: datetime) -> Iterator[FieldProblem]:
    onset = _as_date(payload.get("onset_date"))
    if onset is not None and onset > now.date() + FUTURE_TOLERANCE:
        yield FieldProblem("onset_date", "more than 1 day in the future")
    reactions = payload.get("reactions")
    for index, reaction in enumerate(reactions if isinstance(reactions, list) else []):
        code = reaction.get("code") if isinstance(reaction, Mapping) else None
        if isinstance(code, str) and not code.strip():
            yield FieldProblem(f"reactions[{index}].code", "required, must not be empty")


def _immunisation_dose(payload: Mapping[str, Any], now: datetime) -> Iterator[FieldProblem]:
    given = _as_date(payload.get("occurrence_date"))
    if given is not None and given > now.date() + FUTURE_TOLERANCE:
        yield FieldProblem("occurrence_date", "more than 1 day in the future")
    dose = payload.get("dose_number")
    if isinstance(dose, int) and not isinstance(dose, bool) and dose < 1:
        yield FieldProblem("dose_number", "must be 1 or more")


def _procedure_period(payload: Mapping[str, Any], now: datetime) -> Iterator[FieldProblem]:
    start = _as_instant(payload.get("performed_start"))
    end = _as_instant(payload.get("performed_end"))
    yield from _not_future(payload.get("performed_start"), "performed_start", now)
    if start is not None and end is not None and end < start:
        yield FieldProblem("performed_end", "before performed_start")
    reasons = payload.get("reasons")
    for index, reason in enumerate(reasons if isinstance(reasons, list) else []):
        code = reason.get("code") if isinstance(reason, Mapping) else None
        if isinstance(code, str) and not code.strip():
            yield FieldProblem(f"reasons[{index}].code", "required, must not be empty")


def _document_content(payload: Mapping[str, Any], now: datetime) -> Iterator[FieldProblem]:
    yield from _not_future(payload.get("date"), "date", now)
    url, data = payload.get("url"), payload.get("data")
    if url is None and data is None:
        yield FieldProblem("url", "required when there is no data (a document is kept at the "
                           "source or attached)")  # fmt: skip
    if url is not None and data is not None:
        yield FieldProblem("data", "must be empty when url is given (one or the other)")
    if isinstance(url, str) and not _is_https_url(url):
        yield FieldProblem("url", "must be an absolute https URL without credentials")
    if isinstance(data, bytes | bytearray):
        if len(data) > MAX_ATTACHMENT_BYTES:
            yield FieldProblem(
                "data", f"larger than {MAX_ATTACHMENT_BYTES} bytes: keep it at the source and "
                "send its url",
            )  # fmt: skip
        if not payload.get("content_type"):
            yield FieldProblem("content_type", "required when data is attached")
    size = payload.get("size")
    if isinstance(size, int) and not isinstance(size, bool) and size < 0:
        yield FieldProblem("size", "must be 0 or more")


def _is_https_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # an unbalanced IPv6 bracket, a bad port
        return False
    return parts.scheme == "https" and bool(host) and "@" not in parts.netloc


def _result_range(payload: Mapping[str, Any], _now: datetime) -> Iterator[FieldProblem]:
    low, high = payload.get("reference_low"), payload.get("reference_high")
    if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
        yield FieldProblem("reference_low", "above reference_high")


def _codes(*paths: str) -> Rule:
    """Rule: the ``code`` of each (optional) coded field must not be empty."""

    def rule(payload: Mapping[str, Any], _now: datetime) -> Iterator[FieldProblem]:
        for path in paths:
            code = _record(payload, path).get("code")
            if isinstance(code, str) and not code.strip():
                yield FieldProblem(f"{path}.code", "required, must not be empty")

    return rule


def _not_future(value: Any, path: str, now: datetime) -> Iterator[FieldProblem]:
    moment = _as_instant(value)
    if moment is not None and moment > now + FUTURE_TOLERANCE:
        yield FieldProblem(path, "more than 1 day in the future")


def _record(payload: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = payload.get(name)
    return value if isinstance(value, Mapping) else {}


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return None  # a shape problem, reported by conformance
    if isinstance(value, date):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return _shifted(timedelta(days=1), value).date() if _fits(value) else None
    return None


def _as_instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.utcoffset() is not None else None
    if isinstance(value, int) and not isinstance(value, bool) and _fits(value // 86_400_000):
        return _shifted(timedelta(milliseconds=1), value)
    return None


def _fits(days: int) -> bool:
    """Whether ``days`` from the epoch is still a representable date (years 1-9999)."""
    return -719_162 <= days <= 2_932_896


def _shifted(unit: timedelta, count: int) -> datetime:
    return _EPOCH + unit * count


def _unique(problems: list[FieldProblem]) -> list[FieldProblem]:
    return list(dict.fromkeys(problems))


_COMMON_RULES: tuple[Rule, ...] = (_header_text, _nhs_number, _header_numbers_and_times)
_RULES_BY_TYPE: dict[RecordType, tuple[Rule, ...]] = {
    RecordType.PATIENT: (_patient_dates,),
    RecordType.RESULT: (_codes("code", "panel"), _result_range),
    RecordType.MEDICATION: (_codes("medication"), _medication_course),
    RecordType.ENCOUNTER: (_codes("reason"), _encounter_period),
    RecordType.CONDITION: (_codes("code"), _condition_dates),
    RecordType.ALLERGY: (_codes("code"), _allergy_reactions),
    RecordType.IMMUNISATION: (_codes("vaccine"), _immunisation_dose),
    RecordType.PROCEDURE: (_codes("code"), _procedure_period),
    RecordType.DOCUMENT: (_codes("type"), _document_content),
}
