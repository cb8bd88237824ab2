"""Opt-outs end to end on the real stack: streams worker (identity, consent, de-identification)
and the planning store. A person with a National Data Opt-out is in the shared record and in no
planning table; a Type 1 opt-out that arrives later removes the person within seconds, with a
stored receipt; withdrawing it lets new events in again. An objection to the shared record is
not a planning opt-out."""

from __future__ import annotations

import time
from typing import Any

from mcr.core import receipts
from mcr.core.errors import McrError
from schemas.codec import decode
from schemas.events import SHARED_TOPIC, SourceEvent
from streams.consent import repository
from streams.identity.offline.sandbox import read_topic
from tests.integration.planning.conftest import Planning
from tests.unit.projections.builders import encounter_event, patient_event, result_event
from tests.unit.streams.consent.builders import consent_event

REMOVED_WITHIN_S = 10.0
TABLES = ("facts", "contributions", "weekly_encounters", "weekly_results", "weekly_people")


def _person(local_id: str, serial: int, name: str) -> list[SourceEvent]:
    def head(item: str) -> dict[str, Any]:
        return {"org": "Y01", "local_patient_id": local_id, "source_record_id": item,
                "serial": serial}  # fmt: skip

    return [
        patient_event(name, **head(f"{local_id}-pat")),
        encounter_event(**head(f"{local_id}-enc")),
        result_event(**head(f"{local_id}-res")),
    ]


def _gp(local_id: str, serial: int, scope: str, decision: str = "DENY", version: int = 1,
        item: str = "C1") -> SourceEvent:  # fmt: skip
    return consent_event(scope, decision, local_patient_id=local_id, serial=serial,
                         source_record_id=f"{local_id}-{item}", version=version)  # fmt: skip


def _items_of(planning: Planning, person: str) -> int:
    rows = planning.query("SELECT count(*) FROM contributions WHERE person = %s", person)
    return int(rows[0][0])


def _preference_owners(planning: Planning) -> dict[str, str]:
    """Source key -> person id of every stored preference (the consent tables)."""
    with repository.connect(planning.box.consent_dsn, planning.box.consent_schema) as conn:
        rows = conn.execute("SELECT source_key, person_id FROM preferences").fetchall()
    return {key: person for key, person in rows}


def _stored(planning: Planning, *local_ids: str) -> bool:
    return all(f"Y01:{i}" in _preference_owners(planning) for i in local_ids)


def _person_of(planning: Planning, local_id: str) -> str:
    planning.wait_until("the preference", lambda: _stored(planning, local_id))
    return _preference_owners(planning)[f"Y01:{local_id}"]


def test_opt_outs_in_the_planning_store(planning: Planning) -> None:
    """National Data Opt-out: never in planning. Later Type 1: removed within seconds, with a
    receipt. Withdrawn: new events count again. An objection alone: still in planning."""
    # Alex: no preference; Blake: National Data Opt-out first; Casey: objects to sharing only.
    alex, blake, casey = (
        _person("A1", 1, "Alpha"),
        _person("B1", 2, "Bravo"),
        _person("C1", 3, "Charlie"),
    )
    planning.publish(blake[0], casey[0])  # a consent event waits for its person's record
    planning.publish(_gp("B1", 2, "NATIONAL_DATA_OPT_OUT"), _gp("C1", 3, "SHARED_CARE_RECORD"))
    planning.wait_until("both preferences stored", lambda: _stored(planning, "B1", "C1"))
    planning.publish(*alex, *blake[1:], *casey[1:])
    planning.wait_until("Alex and Casey in planning", lambda: _count_people(planning) >= 2)
    blake_id, casey_id = _person_of(planning, "B1"), _person_of(planning, "C1")
    planning.wait_until(
        "Casey's three items",
        lambda: _items_of(planning, planning.pseudonyms.person(casey_id)) == 3,
    )
    assert _items_of(planning, planning.pseudonyms.person(blake_id)) == 0
    shared = read_topic(planning.box.kafka, planning.box.settings.topic_prefix + SHARED_TOPIC,
                        count=10_000, timeout_s=3)  # fmt: skip
    assert "B1-enc" in {_item(m.value) for m in shared}, "an opt-out does not touch direct care"
    assert (
        planning.query(
            "SELECT count(*) FROM facts WHERE pseudonym = %s", planning.pseudonyms.person(blake_id)
        )[0][0]
        == 0
    )
    for table in TABLES:  # every table, not just one
        assert planning.query(f"SELECT count(*) FROM {table}")[0][0] > 0

    casey = planning.pseudonyms.person(casey_id)
    [alex_pseudonym] = [p for (p,) in planning.query("SELECT DISTINCT person FROM contributions")
                        if p != casey]  # fmt: skip
    planning.wait_until("Alex's three items", lambda: _items_of(planning, alex_pseudonym) == 3)
    started = time.monotonic()
    planning.publish(_gp("A1", 1, "TYPE_1_OPT_OUT"))
    planning.wait_until("Alex removed", lambda: _items_of(planning, alex_pseudonym) == 0)
    took = time.monotonic() - started  # from publishing the opt-out to gone from the store
    print(f"opt-out removed from the planning store in {took:.2f} s")
    assert took < REMOVED_WITHIN_S
    alex_id = _person_of(planning, "A1")
    assert planning.pseudonyms.person(alex_id) == alex_pseudonym
    assert (
        planning.query("SELECT count(*) FROM facts WHERE pseudonym = %s", alex_pseudonym)[0][0] == 0
    )
    dsn = planning.settings.postgres_dsn.get_secret_value()
    with receipts.connect(dsn, planning.settings.receipts_schema) as conn:
        found = receipts.for_subjects(conn, planning.pseudonyms.person_under_every_key(alex_id))
    assert [(r.store, r.reason, r.requested_by, r.removed) for r in found] == [
        ("planning", "type-1", "Y01", 3)
    ]

    planning.publish(_gp("A1", 1, "TYPE_1_OPT_OUT", "PERMIT", version=2))
    planning.publish(encounter_event(org="Y01", local_patient_id="A1", source_record_id="A1-enc2",
                                     serial=1))  # fmt: skip
    planning.wait_until("Alex's new encounter", lambda: _items_of(planning, alex_pseudonym) >= 1)
    assert _items_of(planning, planning.pseudonyms.person(blake_id)) == 0


def _item(value: bytes) -> str | None:
    try:
        return str(decode(value).payload["header"]["source_record_id"])
    except McrError:
        return None  # a purge command


def _count_people(planning: Planning) -> int:
    return int(planning.query("SELECT count(DISTINCT person) FROM contributions")[0][0])
