"""Only live organisations publish, on the real stack: a suspended, onboarding or unknown
organisation's new events are dead-lettered by identity with the reason, never linked and
never in the record; what a suspended organisation shared before stays; resume lets it in."""

from __future__ import annotations

import time
from datetime import date

from mcr.core import org_registry
from schemas.events import DLQ_REASON, DLQ_STAGE
from streams.identity.offline.sandbox import TopicReader
from tests.integration.organisations.conftest import Pipeline
from tests.integration.projections.conftest import wait_until
from tests.unit.projections.builders import patient_event, result_event

GP = {"org": "E81001", "local_patient_id": "ADM-1", "serial": 301}
HOSPITAL = {"org": "RC9", "local_patient_id": "ADM-H1", "serial": 302}


def _dead_letters(reader: TopicReader) -> dict[str, str]:
    """The dead-lettered source record ids (by their org) and their reasons, read so far."""
    reader.poll(0.2)
    return {
        m.key.decode(): m.headers[DLQ_REASON].decode()
        for m in reader.messages
        if m.key is not None and m.headers.get(DLQ_STAGE) == b"identity"
    }


def test_suspension_dead_letters_new_events_within_seconds_and_keeps_what_was_shared(
    pipeline: Pipeline,
) -> None:
    """Suspend, publish at once: dead-lettered (reason says suspended), not linked, not in
    the record, while the earlier share stays; onboarding and unknown codes likewise; after
    resume the organisation's events enter again."""
    pipeline.publish(patient_event(**GP, source_record_id="ADM-PAT"),
                     result_event(**GP, source_record_id="ADM-R1"))  # fmt: skip
    wait_until(lambda: "result|E81001|ADM-R1" in pipeline.visible(), 120, "the first share")

    with pipeline.registry() as registry:
        org_registry.change_status(registry, "E81001", "suspend", actor="test", today=date.today())
    suspended_at = time.monotonic()
    pipeline.publish(
        result_event(**GP, source_record_id="ADM-R2"),
        result_event(org="00KC", local_patient_id="ADM-C1", serial=303, source_record_id="C1"),
        result_event(org="ZZ999", local_patient_id="ADM-Z1", serial=304, source_record_id="Z1"),
    )
    dlq = TopicReader(pipeline.box.kafka, pipeline.dlq_topic)
    try:
        try:
            wait_until(lambda: len(_dead_letters(dlq)) >= 3, 60, "three dead letters")
        except BaseException:
            print("dead letters so far:", [(m.key, m.headers) for m in dlq.messages])
            raise
        took_s = time.monotonic() - suspended_at
        reasons = _dead_letters(dlq)
    finally:
        dlq.close()
    assert reasons == {
        "E81001:ADM-1": "OrganisationNotLive: suspended",
        "00KC:ADM-C1": "OrganisationNotLive: onboarding",
        "ZZ999:ADM-Z1": "OrganisationNotLive: unknown",
    }
    assert took_s < 5, f"suspension took {took_s:.1f} s to stop new events"
    print(f"\nsuspend -> first event dead-lettered: {took_s:.2f} s")

    # A live organisation's event published after them is in the record: the refused ones,
    # published before it, would be there by now had they got through.
    pipeline.publish(patient_event(**HOSPITAL, source_record_id="ADM-HP"),
                     result_event(**HOSPITAL, source_record_id="ADM-H-R1"))  # fmt: skip
    wait_until(lambda: "result|RC9|ADM-H-R1" in pipeline.visible(), 60, "the live sentinel")
    visible = pipeline.visible()
    assert "result|E81001|ADM-R1" in visible  # shared before the suspension: stays
    assert not {"result|E81001|ADM-R2", "result|00KC|C1", "result|ZZ999|Z1"} & visible
    linked = TopicReader(pipeline.box.kafka, pipeline.linked_topic)
    try:
        wait_until(lambda: linked.poll(0.2) == 0 and len(linked.messages) >= 4, 30, "linked")
        assert len(linked.messages) == 4  # 2 from the GP before the suspension, 2 from RC9
    finally:
        linked.close()

    with pipeline.registry() as registry:
        org_registry.change_status(registry, "E81001", "resume", actor="test", today=date.today())
    pipeline.publish(result_event(**GP, source_record_id="ADM-R3"))
    wait_until(lambda: "result|E81001|ADM-R3" in pipeline.visible(), 60, "after resume")
