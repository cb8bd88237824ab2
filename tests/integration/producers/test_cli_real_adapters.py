"""``mcr produce`` with the real FHIR and HL7 v2 adapters over the shared fixtures."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from deploy.local import StackSettings
from producers.cli import app
from producers.hl7v2 import events_from_hl7v2
from producers.sdk.validation import event_problems
from schemas.codec import decode
from tests.integration.kafka_reading import read_topic
from tests.unit.producers.fhir.test_fixtures import observation_results

runner = CliRunner()


@pytest.fixture(autouse=True)
def local_broker(stack: StackSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI reads its broker from MCR_KAFKA_BOOTSTRAP; point it at the test stack."""
    for name, value in stack.kafka_admin.environment().items():
        monkeypatch.setenv(name, value)


def test_hl7v2_folder_arrives_whole_and_malformed_files_are_reported(
    stack: StackSettings, topic_factory: Callable[..., str], fixtures_dir: Path
) -> None:
    """Every event that maps and validates from python-hl7's samples arrives; bad ones exit 2."""
    folder = fixtures_dir / "hl7v2" / "python-hl7"
    expected = set()
    for path in sorted(folder.glob("*.hl7")):
        text = path.read_bytes().decode("utf-8-sig")
        mapped = events_from_hl7v2(text, org="RC9", source_system="pas")
        valid = [event for event in mapped.events if not event_problems(event)]
        expected |= {event.payload["header"]["event_id"] for event in valid}
    topic = topic_factory("cli-hl7")

    result = runner.invoke(
        app, ["hl7v2", str(folder), "--org", "RC9", "--system", "pas", "--topic", topic]
    )

    assert result.exit_code == 2, result.output  # the sample_bad_* files are rejected
    assert "sample_bad_batch" in result.output
    received = read_topic(stack.kafka_admin, topic, count=len(expected))
    decoded = [decode(message.value()) for message in received]
    assert {event.payload["header"]["event_id"] for event in decoded} == expected
    assert {event.payload["header"]["org"] for event in decoded} == {"RC9"}


#: Record types mapped one to one from a FHIR resource type counted in index.csv.
_NEWER = {"condition": "Condition", "allergy": "AllergyIntolerance", "immunisation": "Immunization",
          "procedure": "Procedure"}  # fmt: skip


def test_synthea_bundle_arrives_with_its_index_counts(
    stack: StackSettings, topic_factory: Callable[..., str], fixtures_dir: Path
) -> None:
    """One Synthea bundle sent through the CLI gives exactly the events index.csv predicts
    (results: every Observation of an R4 category, counted from the JSON)."""
    index = (fixtures_dir / "synthea" / "index.csv").read_text().splitlines()
    header = index[0].split(",")
    row = dict(zip(header, index[1].split(","), strict=True))
    bundle = fixtures_dir / "synthea" / "bundles" / row["file"]
    topic = topic_factory("cli-fhir")
    results = sum(observation_results(json.loads(bundle.read_text(encoding="utf-8")))[0].values())
    expected_total = (
        1
        + int(row["Encounter"])
        + results
        + int(row["MedicationRequest"])
        + sum(int(row[kind]) for kind in _NEWER.values())
    )

    result = runner.invoke(app, ["fhir", str(bundle), "--org", "E81001", "--topic", topic])

    assert result.exit_code == 0, result.output
    decoded = [
        decode(m.value()) for m in read_topic(stack.kafka_admin, topic, count=expected_total)
    ]
    counts: dict[str, int] = {}
    for event in decoded:
        counts[event.record_type.value] = counts.get(event.record_type.value, 0) + 1
    assert counts == {
        "patient": 1,
        "encounter": int(row["Encounter"]),
        "result": results,
        "medication": int(row["MedicationRequest"]),
        **{name: int(row[kind]) for name, kind in _NEWER.items() if int(row[kind])},
    }
