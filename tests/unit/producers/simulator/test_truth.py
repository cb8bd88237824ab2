"""The ground-truth CSV: exact header, one row per organisation record, fields as recorded."""

from __future__ import annotations

import csv
import io
import re

from producers.simulator import TRUTH_HEADER, PersonRecords, TruthWriter
from producers.simulator.records import Variation
from producers.simulator.region import REGION
from tests.unit.producers.simulator.conftest import RegionSample

HEADER_LINE = (
    "record_id,source,truth_id,nhs_number,given_name,family_name,birth_date,sex,postcode,address,"
    "nhs_number_status"
)


def _csv(region: list[PersonRecords]) -> str:
    stream = io.StringIO()
    writer = TruthWriter(stream)
    for person in region:
        writer.write(person.truth)
    return stream.getvalue()


def test_header_is_exactly_the_link_eval_format() -> None:
    """The first line is the header the identity team's link-eval reads, nothing more."""
    assert ",".join(TRUTH_HEADER) == HEADER_LINE
    assert TruthWriter.__name__ and _csv([]).splitlines() == [HEADER_LINE]


def test_one_row_per_record_with_wellformed_fields(small_region: list[PersonRecords]) -> None:
    """Rows parse back, ids are <org>:<local id>, dates ISO, sex M/F/U, sources real orgs."""
    rows = list(csv.DictReader(io.StringIO(_csv(small_region))))
    assert len(rows) == sum(len(p.records) for p in small_region)
    assert len({row["record_id"] for row in rows}) == len(rows)
    for row in rows:
        org, local = row["record_id"].split(":")
        assert org == row["source"] and REGION.by_code(org) and local
        assert re.fullmatch(r"P\d{7}", row["truth_id"])
        assert row["birth_date"] == "" or re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["birth_date"])
        assert row["sex"] in {"M", "F", "U", ""}
        assert row["nhs_number"] == "" or re.fullmatch(r"999\d{7}", row["nhs_number"])
        assert (row["nhs_number_status"] == "ABSENT") == (row["nhs_number"] == "")


def test_rows_show_what_the_organisation_recorded(small_region: list[PersonRecords]) -> None:
    """A row's fields are the record's current demographics, not the truth."""
    for person in small_region:
        for record, row in zip(person.records, person.truth, strict=True):
            held = record.current
            assert row.given_name == " ".join(held.given_names)
            assert row.family_name == (held.family_name or "")
            assert row.postcode == (held.address.postcode if held.address else "")
            assert row.truth_id == person.person.truth_id
            assert row.nhs_number_status == record.nhs_status


def test_placeholder_rows_have_empty_fields(region_sample: RegionSample) -> None:
    """ "Unknown" rows have no NHS number or address, and belong to the true person."""
    unknown = [
        (p, r) for p, r in region_sample.records if r.placeholder is Variation.PLACEHOLDER_UNKNOWN
    ]
    rows = {row.record_id: row for row in region_sample.truth}
    assert unknown
    for person, record in unknown:
        row = rows[f"{record.membership.org.code}:{record.local_id}"]
        assert (row.given_name, row.nhs_number, row.postcode, row.address) == (
            "Unknown",
            "",
            "",
            "",
        )
        assert row.truth_id == person.truth_id
