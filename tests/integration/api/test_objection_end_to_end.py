"""An objection recorded from the service, end to end on the real stack: the GP records it, the
consent event travels through the streams worker (identity, consent), the projection purges,
and within seconds the record answers 403 with nothing but the objection; the withdrawal
recorded the same way lets the items the source sends again be read."""

from __future__ import annotations

import time

from deploy.local import StackSettings
from streams.identity.offline.sandbox import Sandbox
from tests.integration.api.conftest import access_token
from tests.integration.api.live_pipeline import call, publish
from tests.integration.projections.conftest import wait_until
from tests.unit.projections.builders import patient_event, result_event

HEAD = {"org": "E81001", "local_patient_id": "OBJ-1", "serial": 41}
RESULTS = [result_event(**HEAD, source_record_id=f"OBJ-R{i}") for i in range(3)]


def test_an_objection_recorded_by_the_gp_takes_effect_within_seconds(
    streams_sandbox: Sandbox, service_url: str, stack: StackSettings
) -> None:
    """GP reads the record; records an objection (202); within seconds the record is a 403
    objection; the withdrawal (202) lifts it, and the record the source sends again is
    readable again (bringing back what was purged without a resend is the consent stage's
    follow-through, not built yet)."""
    box = streams_sandbox
    token = access_token(stack)
    publish(box, patient_event(**HEAD, source_record_id="OBJ-PAT"), *RESULTS)
    found: dict[str, str] = {}

    def person_found() -> bool:
        answer = call(
            f"{service_url}/api/patients?family_name=Testpatient&birth_date=1970-01-01", token
        )
        persons = answer.json().get("persons", []) if answer.status_code == 200 else []
        for person in persons:
            record = call(f"{service_url}/api/persons/{person['person_id']}/record", token)
            if record.status_code == 200 and record.json()["results"]["total"] == 3:
                found["person"] = person["person_id"]
        return "person" in found

    wait_until(person_found, 90, "the record, readable by the GP")
    record = f"{service_url}/api/persons/{found['person']}/record"
    objection = f"{service_url}/api/persons/{found['person']}/objection"

    started = time.monotonic()
    assert call(objection, token, "POST", {"decision": "DENY"}).status_code == 202
    wait_until(lambda: call(record, token).status_code == 403, 60, "the objection to apply")
    took = time.monotonic() - started
    refused = call(record, token).json()
    assert refused["objects_to_sharing"] is True and "results" not in refused

    assert call(objection, token, "POST", {"decision": "PERMIT"}).status_code == 202
    wait_until(lambda: call(record, token).status_code != 403, 60, "the withdrawal to apply")
    publish(box, patient_event(**HEAD, source_record_id="OBJ-PAT"), *RESULTS)
    wait_until(lambda: call(record, token).json().get("results", {}).get("total") == 3, 60,
               "the results sent again")  # fmt: skip
    assert took < 60
