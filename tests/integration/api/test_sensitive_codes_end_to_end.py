"""Sensitive content recognised by code, end to end on the real stack: an HL7 v2 feed cannot
label its results, so an HIV test (LOINC 75622-1) arrives with no label. Mapped by the HL7 v2
adapter (``mcr produce hl7v2``'s), published, linked and screened by the streams worker, it must
be kept back exactly like a labelled item: the record route and the FHIR R4 API show the
hospital doctor the potassium result of the same message and nothing of the HIV test."""

from __future__ import annotations

from typing import Any

from deploy.local import StackSettings
from producers.hl7v2 import events_from_hl7v2
from schemas.events import RecordType, SourceEvent
from streams.identity.offline.sandbox import Sandbox
from tests.fhir_r4 import invalid
from tests.integration.api.conftest import access_token
from tests.integration.api.live_pipeline import call, publish
from tests.integration.projections.conftest import wait_until
from tests.unit.producers.hl7v2.builders import message, msh, pid, segment, uk_admission

ORG = "RC9"  # the demo hospital doctor's trust: it holds the record (ADT A01)
DOCTOR = "demo-hospital-doctor"
HIV_TEST = "75622-1"
POTASSIUM = "2823-3"
SODIUM = "2951-2"


def _obr(order: str) -> str:
    return segment("OBR", {1: "1", 2: f"PLAC{order}^ICE", 3: f"FILL{order}^WINPATH",
                           4: "LAB^Laboratory tests^WINPATH", 7: "20240612080000"})  # fmt: skip


def _results_message() -> str:
    """ORU^R01: serum potassium, then an HIV Ag/Ab test, neither labelled (v2 cannot)."""
    obr = _obr("9")
    potassium = segment("OBX", {1: "1", 2: "NM", 3: f"{POTASSIUM}^Potassium^LN", 5: "4.1",
                                6: "mmol/L", 7: "3.5-5.3", 8: "N", 11: "F"})  # fmt: skip
    hiv = segment("OBX", {1: "2", 2: "ST", 3: f"{HIV_TEST}^HIV 1+2 Ab and p24 Ag^LN",
                          5: "Not detected", 11: "F"})  # fmt: skip
    return message(msh("ORU^R01^ORU_R01", "LAB0009"), pid(), obr, potassium, hiv)


def _later_message() -> str:
    """A later ORU^R01 (serum sodium): once it is in the record, so is all sent before it
    (one patient's events keep their order through the pipeline)."""
    sodium = segment("OBX", {1: "1", 2: "NM", 3: f"{SODIUM}^Sodium^LN", 5: "140",
                             6: "mmol/L", 11: "F"})  # fmt: skip
    return message(msh("ORU^R01^ORU_R01", "LAB0010"), pid(), _obr("10"), sodium)


def _labelled_twin(event: SourceEvent) -> SourceEvent:
    """The HIV result as a source that can label would send it (another item id)."""
    header = {**event.payload["header"], "confidentiality": ["hiv"],
              "source_record_id": event.payload["header"]["source_record_id"] + "-labelled"}  # fmt: skip
    return SourceEvent(event.record_type, {**event.payload, "header": header})


def _events() -> list[SourceEvent]:
    admitted = events_from_hl7v2(uk_admission(), org=ORG, source_system="Medway PAS")
    results = events_from_hl7v2(_results_message(), org=ORG, source_system="WinPath")
    later = events_from_hl7v2(_later_message(), org=ORG, source_system="WinPath")
    assert admitted.rejections == results.rejections == later.rejections == []
    codes = [e.payload["code"]["code"] for e in results.events]
    assert codes == [POTASSIUM, HIV_TEST]
    hiv = results.events[1]
    assert hiv.record_type is RecordType.RESULT and not hiv.payload["header"]["confidentiality"]
    return [*admitted.events, *results.events, _labelled_twin(hiv), *later.events]


def _person(base: str, token: str) -> str | None:
    answer = call(f"{base}/api/patients?family_name=SMITH&birth_date=1980-02-29", token)
    for person in answer.json().get("persons", []) if answer.status_code == 200 else []:
        record = call(f"{base}/api/persons/{person['person_id']}/record", token)
        items = record.json()["results"]["items"] if record.status_code == 200 else []
        if SODIUM in {i["result"]["code"]["code"] for i in items}:
            return str(person["person_id"])
    return None


def _fhir(base: str, token: str, path: str) -> dict[str, Any]:
    answer = call(f"{base}/fhir/R4/{path}", token)
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    assert invalid(body) == []
    return body


def test_an_unlabelled_hl7v2_hiv_result_is_kept_back_from_the_viewer_and_the_fhir_api(
    streams_sandbox: Sandbox, service_url: str, stack: StackSettings
) -> None:
    """Potassium and sodium are shown; the HIV test, with no label and with one, is in
    neither answer."""
    publish(streams_sandbox, *_events())
    token = access_token(stack, DOCTOR)
    found: list[str] = []
    wait_until(lambda: bool(found.append(_person(service_url, token) or "") or found[-1]),
               90, "the last result in the record")  # fmt: skip
    person = found[-1]
    record = call(f"{service_url}/api/persons/{person}/record", token).json()
    codes = sorted(i["result"]["code"]["code"] for i in record["results"]["items"])
    assert codes == [POTASSIUM, SODIUM]
    assert record["results"]["total"] == 2

    searchset = _fhir(service_url, token, f"Observation?patient=Patient/{person}")
    observations = [e["resource"] for e in searchset["entry"] if e["search"]["mode"] == "match"]
    assert sorted(o["code"]["coding"][0]["code"] for o in observations) == [POTASSIUM, SODIUM]
    everything = _fhir(service_url, token, f"Patient/{person}/$everything")
    served = {c.get("code") for e in everything["entry"]
              for c in (e["resource"].get("code") or {}).get("coding", [])}  # fmt: skip
    assert POTASSIUM in served and HIV_TEST not in served
