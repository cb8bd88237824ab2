"""Document ids and index names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from projections.record.ids import index_name, index_pattern, item_id, summary_id, template_name


@pytest.mark.parametrize(
    ("record_type", "org", "source_record_id", "expected"),
    [
        ("result", "RC9", "R001", "result|RC9|R001"),
        ("medication", "Y01234", "rx/42", "medication|Y01234|rx%2F42"),
        ("encounter", "R|X", "a b", "encounter|R%7CX|a%20b"),
        ("patient", "RC9", "100%", "patient|RC9|100%25"),
    ],
)
def test_item_id_is_type_org_and_source_id(
    record_type: str, org: str, source_record_id: str, expected: str
) -> None:
    """The item id joins type, org and source record id, percent-encoding each part."""
    assert item_id(record_type=record_type, org=org, source_record_id=source_record_id) == expected


@given(st.tuples(st.text(), st.text(), st.text()), st.tuples(st.text(), st.text(), st.text()))
def test_item_ids_of_different_items_never_collide(
    a: tuple[str, str, str], b: tuple[str, str, str]
) -> None:
    """Two different (type, org, source id) triples never share a document id."""
    id_a = item_id(record_type=a[0], org=a[1], source_record_id=a[2])
    id_b = item_id(record_type=b[0], org=b[1], source_record_id=b[2])
    assert (id_a == id_b) == (a == b)


def test_summary_id_names_the_person() -> None:
    """A person's summary id cannot be mistaken for an item id."""
    assert summary_id("P|1") == "summary|P%7C1"


@pytest.mark.parametrize(
    ("created_at", "expected"),
    [
        (datetime(2024, 3, 1, 9, 30, 5, 123456, tzinfo=UTC), "record-v1-20240301093005123456"),
        (
            datetime(2024, 3, 1, 10, 30, 5, tzinfo=timezone(timedelta(hours=1))),
            "record-v1-20240301093005000000",
        ),
    ],
)
def test_index_name_is_prefix_mapping_version_and_utc_stamp(
    created_at: datetime, expected: str
) -> None:
    """Index versions are named <prefix>-v<mapping>-<UTC timestamp>."""
    assert index_name("record", created_at) == expected


def test_pattern_and_template_follow_the_prefix() -> None:
    """The template matches every version of the prefix and is named after it."""
    assert (index_pattern("record"), template_name("record")) == ("record-v1-*", "record-v1")
