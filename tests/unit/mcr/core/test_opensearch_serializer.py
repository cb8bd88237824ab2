"""The orjson serializer writes what the stock one writes, and reads what it reads."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from opensearchpy.exceptions import SerializationError
from opensearchpy.serializer import JSONSerializer

from mcr.core.opensearch import OrjsonSerializer

SAMPLE = {
    "person_id": "p-1",
    "at": datetime(2025, 3, 1, 12, 0, 5, 123000, tzinfo=UTC),
    "day": date(2025, 3, 1),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "value": Decimal("4.5"),
    "text": "Sørensen – café ✓",
    "items": [1, 2.5, None, True, {"nested": "x"}],
}


def test_the_same_text_as_the_stock_serializer() -> None:
    assert OrjsonSerializer().dumps(SAMPLE) == JSONSerializer().dumps(SAMPLE)


def test_strings_pass_through_and_answers_parse_alike() -> None:
    ours, stock = OrjsonSerializer(), JSONSerializer()
    assert ours.dumps('{"already": "text"}') == '{"already": "text"}'
    answer = stock.dumps({"hits": {"total": {"value": 2}, "hits": [{"_source": SAMPLE["text"]}]}})
    assert ours.loads(answer) == stock.loads(answer)


def test_what_cannot_be_written_or_read_is_a_serialization_error() -> None:
    with pytest.raises(SerializationError):
        OrjsonSerializer().dumps({"x": object()})
    with pytest.raises(SerializationError):
        OrjsonSerializer().loads("{not json")
