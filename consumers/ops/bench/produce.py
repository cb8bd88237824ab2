"""Producer benchmark: encode throughput, bytes per event, and produce throughput to a real broker.

Synthetic events only (999-range NHS numbers, invented names), in a mix like a region's daily
traffic: mostly results, then medications and encounters, fewer demographics and consents.
``mcr bench produce`` calls :func:`run_produce_bench` and prints the returned dict as JSON.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from mcr.core.kafka_client import KafkaClientSettings
from producers.sdk.publisher import Publisher
from producers.sdk.settings import PublisherConfig
from producers.sdk.topics import create_topic, delete_topic
from producers.sdk.validation import event_problems
from schemas.codec import encode
from schemas.events import RecordType, SourceEvent
from schemas.nhs_number import test_number

MIX: dict[RecordType, float] = {
    RecordType.RESULT: 0.50,
    RecordType.MEDICATION: 0.20,
    RecordType.ENCOUNTER: 0.15,
    RecordType.PATIENT: 0.10,
    RecordType.CONSENT: 0.05,
}
ORGS = ("RC971", "RD8", "E81001", "E81046", "RWK01", "LBC01")
PATIENTS = 5_000
_BASE = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)


def run_produce_bench(
    *,
    events: int,
    kafka: KafkaClientSettings,
    seed: int = 7,
    partitions: int = 3,
    plaintext: KafkaClientSettings | None = None,
) -> dict[str, Any]:
    """Measure encoding and producing ``events`` synthetic events; returns a JSON-able dict.

    Produces to a fresh ``mcr.bench.*`` topic as ``kafka``'s principal (the ``mcr-bench``
    user over SASL_SSL; deleted afterwards) and times until every event has a delivery
    report. With ``plaintext`` (the broker's benchmark-only PLAINTEXT listener) the same
    events are produced there too, and ``tls_sasl_cost`` compares the two.
    """
    batch = synthetic_events(events, seed=seed)
    encoded = _time(lambda: [encode(event) for event in batch])
    validated = _time(lambda: [event_problems(event) for event in batch])
    return {
        "events": len(batch),
        "mix": _mix_counts(batch),
        "encode": _rate(len(batch), encoded[1]),
        "validate": _rate(len(batch), validated[1]),
        "bytes_per_event": _bytes_per_event(batch, encoded[0]),
        "produce": _produce(batch, kafka=kafka, partitions=partitions),
        **(_compare(batch, kafka, plaintext, partitions) if plaintext else {}),
    }


def _compare(
    batch: list[SourceEvent],
    kafka: KafkaClientSettings,
    plaintext: KafkaClientSettings,
    partitions: int,
) -> dict[str, Any]:
    """Plaintext, then SASL_SSL again (the first secured run warmed the broker up)."""
    open_run = _produce(batch, kafka=plaintext, partitions=partitions)
    secured = _produce(batch, kafka=kafka, partitions=partitions)
    open_rate, secured_rate = open_run["events_per_s"], secured["events_per_s"]
    values = [encode(event) for event in batch] * 4  # librdkafka alone: where TLS would show
    raw_open = _raw_rate(values, plaintext, partitions)
    raw_secured = _raw_rate(values, kafka, partitions)
    return {
        "produce_plaintext": open_run,
        "produce_secured_again": secured,
        "tls_sasl_cost": {
            "throughput_ratio": round(secured_rate / open_rate, 3) if open_rate else None,
            "raw_events_per_s": raw_secured,
            "raw_events_per_s_plaintext": raw_open,
            "raw_throughput_ratio": round(raw_secured / raw_open, 3) if raw_open else None,
            "connect_ms": _connect_ms(kafka),
            "connect_ms_plaintext": _connect_ms(plaintext),
        },
    }


def _raw_rate(values: list[bytes], kafka: KafkaClientSettings, partitions: int) -> float:
    """Events/s of encoded values through one idempotent lz4 producer, no Python validation."""
    from confluent_kafka import Producer  # noqa: PLC0415

    topic = create_topic(kafka, f"mcr.bench.{uuid.uuid4().hex[:10]}", partitions=partitions)
    producer = Producer(kafka.config(**{"enable.idempotence": True, "acks": "all",
                                        "linger.ms": 20, "compression.type": "lz4"}))  # fmt: skip
    try:
        started = time.perf_counter()
        for value in values:
            while True:
                try:
                    producer.produce(topic, value=value)
                    break
                except BufferError:
                    producer.poll(0.05)
        producer.flush(120)
        return round(len(values) / (time.perf_counter() - started), 1)
    finally:
        delete_topic(kafka, topic)


def _connect_ms(kafka: KafkaClientSettings) -> float:
    """Milliseconds until a new client has its first metadata answer (TCP, TLS, SCRAM)."""
    from confluent_kafka.admin import AdminClient  # noqa: PLC0415

    samples = []
    for _ in range(5):
        started = time.perf_counter()
        AdminClient(kafka.config()).list_topics(timeout=10)
        samples.append((time.perf_counter() - started) * 1000)
    return round(sorted(samples)[len(samples) // 2], 1)


def synthetic_events(count: int, *, seed: int = 7) -> list[SourceEvent]:
    """``count`` valid synthetic events in the :data:`MIX` proportions (deterministic by seed)."""
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not security)
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=count)
    return [_BUILDERS[kind](rng, _header(rng, index)) for index, kind in enumerate(kinds)]


def _header(rng: random.Random, index: int) -> dict[str, Any]:
    patient = rng.randrange(PATIENTS)
    occurred = _BASE + timedelta(minutes=index)
    verified = rng.random() < 0.9
    return {
        "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "org": ORGS[patient % len(ORGS)],
        "source_system": "bench",
        "local_patient_id": f"MRN{patient:07d}",
        "nhs_number": str(test_number(patient)) if verified else None,
        "nhs_number_status": "VERIFIED" if verified else "ABSENT",
        "source_record_id": f"item-{index}",
        "record_version": rng.randrange(1, 4),
        "occurred_at": occurred,
        "recorded_at": occurred + timedelta(seconds=rng.randrange(1, 3600)),
        "operation": "UPSERT",
        "confidentiality": [],
    }


def _result(rng: random.Random, header: dict[str, Any]) -> SourceEvent:
    code, display, unit, low, high = rng.choice(_TESTS)
    value = round(rng.uniform(low * 0.7, high * 1.3), 1)
    flag = "LOW" if value < low else "HIGH" if value > high else "NORMAL"
    panel = {"system": "SNOMED", "code": "26604007", "display": "Full blood count"}
    return SourceEvent(RecordType.RESULT, {
        "header": header, "code": {"system": "LOINC", "code": code, "display": display},
        "panel": panel, "status": "FINAL", "value_quantity": value, "unit": unit,
        "reference_low": low, "reference_high": high, "abnormal_flag": flag,
        "specimen": "blood", "issued_at": header["recorded_at"], "performer_org": "RD8",
    })  # fmt: skip


def _medication(rng: random.Random, header: dict[str, Any]) -> SourceEvent:
    code, display = rng.choice(_MEDICINES)
    start = header["occurred_at"].date()
    return SourceEvent(RecordType.MEDICATION, {
        "header": header, "medication": {"system": "DMD", "code": code, "display": display},
        "kind": "REQUEST", "status": "ACTIVE", "course": rng.choice(["ACUTE", "REPEAT"]),
        "dose_text": "one tablet twice a day", "dose_quantity": 1.0, "dose_unit": "tablet",
        "route": "oral", "frequency": "BD", "start_date": start,
        "end_date": start + timedelta(days=28), "prescriber": "GP",
    })  # fmt: skip


def _encounter(rng: random.Random, header: dict[str, Any]) -> SourceEvent:
    start = header["occurred_at"]
    return SourceEvent(RecordType.ENCOUNTER, {
        "header": header, "encounter_class": rng.choice(["OUTPATIENT", "EMERGENCY", "INPATIENT"]),
        "status": "FINISHED", "period_start": start,
        "period_end": start + timedelta(hours=rng.randrange(1, 72)),
        "service": rng.choice(["cardiology", "diabetes", "emergency medicine"]),
        "location": "Main outpatients",
        "reason": {"system": "SNOMED", "code": "44054006", "display": "Type 2 diabetes"},
    })  # fmt: skip


def _patient(rng: random.Random, header: dict[str, Any]) -> SourceEvent:
    return SourceEvent(RecordType.PATIENT, {
        "header": header, "given_names": [rng.choice(_GIVEN)], "family_name": rng.choice(_FAMILY),
        "birth_date": date(1930, 1, 1) + timedelta(days=rng.randrange(33_000)),
        "sex": rng.choice(["MALE", "FEMALE"]), "postcode": "LU1 1AA",
        "address_lines": ["1 Synthetic Road", "Luton"], "registered_gp_practice": "E81001",
        "preferred_language": "en",
    })  # fmt: skip


def _consent(rng: random.Random, header: dict[str, Any]) -> SourceEvent:
    return SourceEvent(RecordType.CONSENT, {
        "header": header, "scope": "SHARED_CARE_RECORD",
        "decision": "DENY" if rng.random() < 0.1 else "PERMIT",
    })  # fmt: skip


_BUILDERS: dict[RecordType, Callable[[random.Random, dict[str, Any]], SourceEvent]] = {
    RecordType.RESULT: _result,
    RecordType.MEDICATION: _medication,
    RecordType.ENCOUNTER: _encounter,
    RecordType.PATIENT: _patient,
    RecordType.CONSENT: _consent,
}
_TESTS = (
    ("718-7", "Haemoglobin", "g/L", 115.0, 165.0),
    ("6690-2", "White cell count", "10*9/L", 4.0, 11.0),
    ("2345-7", "Glucose", "mmol/L", 3.5, 7.8),
    ("2160-0", "Creatinine", "umol/L", 60.0, 110.0),
)
_MEDICINES = (
    ("322236009", "Paracetamol 500mg tablets"),
    ("318475005", "Amlodipine 5mg tablets"),
    ("325072002", "Metformin 500mg tablets"),
)
_GIVEN = ("Alex", "Sam", "Jo", "Chris", "Pat")
_FAMILY = ("Synthetic", "Example", "Testcase", "Placeholder")


def _produce(
    batch: list[SourceEvent], *, kafka: KafkaClientSettings, partitions: int
) -> dict[str, Any]:
    config = PublisherConfig(kafka=kafka, client_id="mcr-bench")
    topic = create_topic(kafka, f"mcr.bench.{uuid.uuid4().hex[:10]}", partitions=partitions)
    try:
        with Publisher(config, topic=topic) as publisher:
            started = time.perf_counter()
            for event in batch:
                publisher.publish(event)
            stats = publisher.flush(timeout=300)
            seconds = time.perf_counter() - started
    finally:
        delete_topic(kafka, topic)
    return {
        **_rate(stats.delivered, seconds),
        "delivered": stats.delivered,
        "failed": stats.failed,
        "failures": dict(stats.failures),
        "partitions": partitions,
        "compression": config.compression,
        "linger_ms": config.linger_ms,
        "includes": "validate + encode + produce until every delivery report",
    }


def _time(work: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def _rate(count: int, seconds: float) -> dict[str, float]:
    return {
        "events_per_s": round(count / seconds, 1) if seconds else 0.0,
        "seconds": round(seconds, 3),
    }


def _mix_counts(batch: list[SourceEvent]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for event in batch:
        counts[event.record_type.value] += 1
    return dict(sorted(counts.items()))


def _bytes_per_event(batch: list[SourceEvent], encoded: list[bytes]) -> dict[str, float]:
    sizes: dict[str, list[int]] = defaultdict(list)
    for event, data in zip(batch, encoded, strict=True):
        sizes[event.record_type.value].append(len(data))
    per_type = {name: round(sum(s) / len(s), 1) for name, s in sorted(sizes.items())}
    total = sum(len(data) for data in encoded)
    return {**per_type, "overall": round(total / len(encoded), 1) if encoded else 0.0}
