"""``mcr org purge`` on the real stack: everything one organisation shared leaves the record
(other organisations' items, even of the same person, stay), a receipt says who asked and how
many documents went, a second purge changes nothing, and ``mcr record verify`` agrees."""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from consumers.ops.errors import OpsError
from consumers.ops.org_purge import PurgeRequest, PurgeTargets, purge_organisation
from deploy.local import StackSettings
from mcr.cli import app
from mcr.core import org_registry, receipts
from projections.record.verify import VerifyReport, verify_record
from streams.identity import outbox
from streams.identity.connections import connect as connect_mpi
from streams.identity.outbox import RawEvent
from tests.integration.organisations.conftest import Pipeline
from tests.integration.projections.conftest import wait_until
from tests.unit.projections.builders import patient_event, result_event

GP = {"org": "E81002", "local_patient_id": "PRG-1", "serial": 311}
HOSPITAL = {"org": "RC9", "local_patient_id": "PRG-H1", "serial": 311}  # the same person
GP_IDS = {"patient|E81002|PRG-PAT", "result|E81002|PRG-R1", "result|E81002|PRG-R2"}
HOSPITAL_IDS = {"patient|RC9|PRG-HP", "result|RC9|PRG-H-R1"}


def _targets(pipeline: Pipeline, stack: StackSettings, receipts_schema: str) -> PurgeTargets:
    box, record = pipeline.box.settings, pipeline.settings
    return PurgeTargets(stack.kafka_admin, stack.operator_dsn, box.registry_schema,
                        receipts_schema, box.schema_name, record.source_topic, record.group_id,
                        record.alias)  # fmt: skip


def _verified(pipeline: Pipeline) -> VerifyReport:
    found: list[VerifyReport] = []

    def settled() -> bool:
        report = verify_record(pipeline.settings, pipeline.client)
        if isinstance(report, VerifyReport) and report.ok:
            found.append(report)
        return bool(found)

    wait_until(settled, 60, "record verify to agree")
    return found[0]


def test_an_organisation_purge_removes_its_documents_with_a_receipt_and_verify_agrees(
    pipeline: Pipeline, stack: StackSettings, operator_schema: str
) -> None:
    """Purge a suspended GP: its patient and results go (other organisations' stay, even for
    the same person), the receipt counts 3 documents, a rerun removes 0, verify agrees."""
    pipeline.publish(
        patient_event(**GP, source_record_id="PRG-PAT"),
        result_event(**GP, source_record_id="PRG-R1"),
        result_event(**GP, source_record_id="PRG-R2"),
        patient_event(**HOSPITAL, source_record_id="PRG-HP"),
        result_event(**HOSPITAL, source_record_id="PRG-H-R1"),
    )
    wait_until(lambda: pipeline.visible() >= GP_IDS | HOSPITAL_IDS, 120, "the first share")
    box = pipeline.box.settings
    with connect_mpi(stack.identity_dsn, box.schema_name, create=False) as mpi:
        # A result of the GP's still waiting in identity's hold (for a link or a review).
        waiting = RawEvent("result", "mcr.source.result", 0, 99, b"held result bytes")
        outbox.hold(mpi, "E81002", "PRG-9", "unverified", waiting)
    targets = _targets(pipeline, stack, operator_schema)
    request = PurgeRequest("E81002", "agreement ended", "ig.lead@example.org", "ops")

    with pytest.raises(OpsError, match="suspend it first"):
        purge_organisation(targets, request, pipeline.client)
    with pipeline.registry() as registry:
        org_registry.change_status(registry, "E81002", "suspend", actor="t", today=date.today())

    receipt = purge_organisation(targets, request, pipeline.client, timeout_s=60)
    visible = pipeline.visible()
    assert not GP_IDS & visible
    assert visible >= HOSPITAL_IDS
    assert receipt.stores == {"record": 3, "identity_held": 1} and receipt.completed
    documents = pipeline.documents()
    tombstone = documents["result|E81002|PRG-R1"]
    assert tombstone["operation"] == "PURGE" and "person_id" not in tombstone
    summary = next(d for d in documents.values() if d.get("doc_kind") == "summary")
    assert "E81002" not in str(summary)  # the person's summary no longer shows the GP

    again = purge_organisation(targets, request, pipeline.client, timeout_s=60)
    assert again.stores == {"record": 0, "identity_held": 0}
    with receipts.connect(stack.operator_dsn, operator_schema) as conn:
        listed = receipts.list_receipts(conn, subject_kind=receipts.PurgeSubject.ORGANISATION)
    assert {r.receipt_id for r in listed} == {receipt.receipt_id, again.receipt_id}
    assert {(r.subject, r.requested_by) for r in listed} == {("E81002", "ig.lead@example.org")}

    report = _verified(pipeline)
    assert (report.discrepancies, report.expected_visible, report.removed) == ((), 2, 3)


def test_org_cli_lists_shows_moves_and_purges(
    pipeline: Pipeline, stack: StackSettings, operator_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line over the sandbox's registry: list/show (JSON), add, refused moves with
    clear errors, suspend, purge with its receipt listed."""
    box, record = pipeline.box.settings, pipeline.settings
    monkeypatch.setenv("MCR_REGISTRY_SCHEMA", box.registry_schema)
    monkeypatch.setenv("MCR_RECEIPTS_SCHEMA", operator_schema)
    monkeypatch.setenv("MCR_IDENTITY_SCHEMA", box.schema_name)
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["org", *args])
        return result.exit_code, result.output

    code, out = run("list", "--json")
    # the region's 99 and the sandbox's test organisations (GP1, SC1, LAB, Y01)
    assert code == 0 and '"total": 103' in out
    code, out = run("show", "00kc", "--json")
    assert code == 0 and '"status": "onboarding"' in out
    assert run("show", "QQ999")[0] == 2
    code, out = run("add", "Y12345", "--name", "Test Pharmacy Hub", "--kind", "community",
                    "--contact", "sharing.y12345@example.org", "--system", "Pharmacy System")  # fmt: skip
    assert code == 0 and "onboarding" in out
    code, out = run("resume", "Y12345")
    assert code == 1 and "agreement" in out  # never signed: cannot go live
    code, out = run("suspend", "RYC")
    assert code == 1 and "cannot suspend an organisation that is onboarding" in out
    assert run("suspend", "E81003") == (0, "E81003: suspended\n")
    pipeline.publish(patient_event(org="E81003", local_patient_id="C1", serial=312))
    code, out = run("purge", "E81003", "--requested-by", "ig.lead@example.org", "--reason",
                    "test", "--source-topic", record.source_topic, "--group", record.group_id,
                    "--alias", record.alias, "--timeout", "60")  # fmt: skip
    assert code == 0, out
    code, out = run("receipts", "--json")
    assert code == 0 and '"subject": "E81003"' in out and '"requested_by": "ig.lead@' in out
