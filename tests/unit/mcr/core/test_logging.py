"""Logging: the PHI allowlist drops everything not explicitly allowed, in both renderers."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from mcr.core.logging import (
    ALLOWED_KEYS,
    configure_logging,
    drop_unlisted_keys,
    get_logger,
    scrub,
)

PHI = {
    "name": "Jane Smyth",
    "nhs_number": "9990000018",
    "birth_date": "1970-01-02",
    "address": "1 High St, LU1 3LU",
}


def test_processor_drops_unlisted_keys_and_counts_them() -> None:
    """Unknown keys (names, NHS numbers...) are removed; the count of dropped keys remains."""
    event = {"event": "linked", "person_id": "p-1", **PHI}

    result = drop_unlisted_keys(None, "info", event)

    assert result == {"event": "linked", "person_id": "p-1", "dropped_keys": 4}


@pytest.mark.parametrize(
    "key", ["name", "nhs_number", "birth_date", "dob", "address", "postcode", "given_name"]
)
def test_no_phi_key_is_allowlisted(key: str) -> None:
    """The allowlist itself holds no PHI field name."""
    assert key not in ALLOWED_KEYS


@pytest.mark.parametrize("mode", ["json", "console"])
def test_rendered_logs_hold_no_phi(mode: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A log call carrying PHI keys renders without any of the PHI values."""
    configure_logging(mode)  # type: ignore[arg-type]
    get_logger("test").info(
        "identity resolved", person_id="p-42", topic="mcr.source.patient", **PHI
    )

    err = capsys.readouterr().err

    assert "p-42" in err and "identity resolved" in err
    for value in PHI.values():
        assert value not in err
    if mode == "json":
        record = json.loads(err.strip().splitlines()[-1])
        assert record["person_id"] == "p-42" and record["dropped_keys"] == 4
    structlog.reset_defaults()


def test_console_tracebacks_do_not_show_local_variables(capsys: pytest.CaptureFixture[str]) -> None:
    """An exception logged on the console shows the traceback but not the locals holding PHI."""
    configure_logging("console")
    patient_name = "Jane Smyth"
    try:
        raise ValueError("patient.birth_date: not an ISO date")
    except ValueError:
        get_logger("test").exception("mapping failed", stage="fhir")

    err = capsys.readouterr().err

    assert "patient.birth_date: not an ISO date" in err and "Traceback" in err
    assert patient_name not in err
    structlog.reset_defaults()


def test_logging_survives_a_closed_stream_swapped_in_by_a_cli_runner(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Configured while stderr was a since-closed stream, logging writes to the current one."""
    import io
    import sys

    swapped = io.StringIO()
    real, sys.stderr = sys.stderr, swapped
    try:
        configure_logging("console")
    finally:
        sys.stderr = real
    swapped.close()

    get_logger("test").warning("still logging", stage="bench")

    assert "still logging" in capsys.readouterr().err
    structlog.reset_defaults()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nhs 9990000018 failed", "nhs <number> failed"),
        ("nhs 999 000 0018 failed", "nhs <number> failed"),
        ("born 1970-01-02, seen 02/01/1970", "born <date>, seen <date>"),
        ("lives at LU1 3LU and lu13lu", "lives at <postcode> and <postcode>"),
        ("partition 3 offset 41 took 12.5 ms", "partition 3 offset 41 took 12.5 ms"),
        ("at 1984-03-07T00:00:00Z", "at <date>T00:00:00Z"),
        ("value datetime.date(1984, 3, 7) invalid", "value datetime.<date> invalid"),
        ("PID|||123||SMITH^JO||19840307|F", "PID|||123||SMITH^JO||<date>|F"),
    ],
)
def test_scrub_replaces_nhs_numbers_dates_and_postcodes(text: str, expected: str) -> None:
    """Text we did not write loses anything shaped like an NHS number, a date or a postcode;
    ordinary numbers stay."""
    assert scrub(text) == expected


@pytest.mark.parametrize("mode", ["json", "console"])
def test_library_records_and_exception_messages_are_scrubbed(
    mode: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A library's stdlib warning and an exception message carrying PHI are scrubbed."""
    configure_logging(mode)  # type: ignore[arg-type]
    logging.getLogger("opensearch").warning("POST /record failed for %s", "9990000018 LU1 3LU")
    try:
        raise KeyError("1970-01-02")
    except KeyError:
        get_logger("test").exception("mapping failed", stage="fhir")

    err = capsys.readouterr().err

    assert "POST /record failed for <number> <postcode>" in err and "mapping failed" in err
    for value in ("9990000018", "LU1 3LU", "1970-01-02"):
        assert value not in err
    if mode == "json":  # every line is JSON, the library's too
        lines = [json.loads(line) for line in err.strip().splitlines()]
        assert lines[0]["logger"] == "opensearch" and lines[0]["level"] == "warning"
    structlog.reset_defaults()
