"""PPR^PC1/PC2/PC3 (problem add, update, delete) -> condition events (category PROBLEM).

A problem-list message holds the patient (PID), an optional visit (PV1) and one or more
problem groups, each starting at a PRB (with NTE, ROL, OBX, GOL ... after it, none of which
is read). Each PRB is one problem-list item:

- ``code``: PRB-3 problem id (CE/CWE, :mod:`producers.hl7v2.coding`); required.
- ``source_record_id``: PRB-4 problem instance id (EI), the sender's id of this problem, which
  later updates and deletes repeat; required.
- ``operation``: PRB-1 action code (table 0287) DE -> DELETE; AD, CO, UP, UC, LI, UN ->
  UPSERT (a problem re-sent unchanged or linked is the same snapshot).
- ``occurred_at``: PRB-2 action date/time, else MSH-7.
- ``clinical_status`` from PRB-14 problem life cycle status (user-defined table: read by code
  or text, ``active``, ``inactive``, ``resolved``, ``remission``, ``recurrence``,
  ``relapse``); when it is not sent, RESOLVED if PRB-9 gives a resolution date, else ACTIVE (a
  problem on the list without a resolution is current).
- ``verification_status`` from PRB-13 problem confirmation status (user-defined table: C
  confirmed, P provisional, D differential, R refuted, U unconfirmed, by code or text), else
  UNKNOWN.
- ``onset_date``: PRB-16 problem date of onset; ``abatement_date``: PRB-9 actual problem
  resolution date/time; both calendar dates as written.
- ``severity``: PRB-26 problem severity (v2.5+), its text else its code.
- Dropped on purpose: PRB-7 established date (no field in the schema), PRB-8 anticipated
  resolution, PRB-10 classification, PRB-11 management discipline, PRB-12 persistence,
  prognoses and the NTE notes (free text). ``asserter_org`` is left empty (PRB names no
  organisation; ROL names people).

A PRB that breaks a rule is rejected on its own (the other problems of the message still map).
"""

from __future__ import annotations

from datetime import date

from producers.hl7v2.coding import coded, display_text
from producers.hl7v2.errors import MappingError
from producers.hl7v2.header import MessageContext, best_time
from producers.hl7v2.identity import PatientIdentity, patient_identity
from producers.hl7v2.message import Message, Segment
from producers.hl7v2.timestamps import parse_date
from producers.model import AdapterResult, Rejection
from schemas.events import RecordType, SourceEvent

TRIGGERS = frozenset({"PC1", "PC2", "PC3"})
CLINICAL = {
    "ACTIVE": "ACTIVE", "INACTIVE": "INACTIVE", "RESOLVED": "RESOLVED",
    "REMISSION": "REMISSION", "RECURRENCE": "RECURRENCE", "RELAPSE": "RELAPSE",
}  # fmt: skip
VERIFICATION = {
    "C": "CONFIRMED", "CONFIRMED": "CONFIRMED", "P": "PROVISIONAL", "PROVISIONAL": "PROVISIONAL",
    "D": "DIFFERENTIAL", "DIFFERENTIAL": "DIFFERENTIAL", "R": "REFUTED", "REFUTED": "REFUTED",
    "U": "UNCONFIRMED", "UNCONFIRMED": "UNCONFIRMED",
}  # fmt: skip


def map_problems(message: Message, ctx: MessageContext) -> AdapterResult:
    """A condition event per PRB of one PPR message; a PRB at fault is a rejection."""
    pid = message.first("PID")
    if pid is None:
        raise MappingError("PID", "segment missing")
    identity = patient_identity(pid)
    problems = message.indexed("PRB")
    if not problems:
        raise MappingError("PRB", "segment missing")
    result = AdapterResult()
    for index, prb in problems:
        try:
            result.events.append(_event(index, prb, ctx, identity))
        except MappingError as exc:
            result.rejections.append(Rejection(ctx.location(index, prb), str(exc)))
    return result


def _event(index: int, prb: Segment, ctx: MessageContext, identity: PatientIdentity) -> SourceEvent:
    code = coded(prb.first(3))
    if code is None:
        raise MappingError("PRB-3", "problem code missing")
    instance = prb.get(4)
    if instance is None:
        raise MappingError("PRB-4", "problem instance id missing")
    header = ctx.header(
        index=index,
        identity=identity,
        source_record_id=instance,
        occurred_at=best_time(prb, 2, name="PRB") or ctx.message_time,
        operation="DELETE" if (prb.get(1) or "").upper() == "DE" else "UPSERT",
    )
    resolved = _date(prb, 9)
    severity = prb.first(26)
    payload = {
        "header": header,
        "code": code,
        "category": "PROBLEM",
        "clinical_status": _clinical(prb, resolved),
        "verification_status": _lookup(prb, 13, VERIFICATION) or "UNKNOWN",
        "severity": None if severity.is_empty else display_text(severity),
        "onset_date": _date(prb, 16),
        "abatement_date": resolved,
        "asserter_org": None,
    }
    return SourceEvent(RecordType.CONDITION, payload)


def _lookup(prb: Segment, number: int, table: dict[str, str]) -> str | None:
    """A status read from field ``number`` by its code, else by its text (upper-cased)."""
    rep = prb.first(number)
    for value in (rep.get(1), rep.get(2)):
        if value and value.strip().upper() in table:
            return table[value.strip().upper()]
    return None


def _clinical(prb: Segment, resolved: date | None) -> str:
    return _lookup(prb, 14, CLINICAL) or ("RESOLVED" if resolved else "ACTIVE")


def _date(prb: Segment, number: int) -> date | None:
    raw = prb.get(number)
    return parse_date(raw, field=f"PRB-{number}") if raw else None
