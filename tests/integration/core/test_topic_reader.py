"""Reading a topic to its end on the real broker: every partition in offset order, headers as
bytes, a missing topic refused (or empty when allowed), and nothing past the ends asked for."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from confluent_kafka import Producer

from deploy.local import StackSettings
from mcr.core.kafka_acls import PROJECTION
from mcr.core.topic_reader import TopicReadError, end_offsets, read_topic


def test_every_message_in_partition_order_up_to_the_ends(
    stack: StackSettings, topic_factory: Callable[..., str]
) -> None:
    """Six messages over two partitions come back complete, in order per partition; a read
    bounded by earlier ends stops there."""
    topic = topic_factory("reader", partitions=2)
    producer = Producer(stack.kafka_admin.config())
    for n in range(6):
        producer.produce(topic, key=b"k", value=str(n).encode(), partition=n % 2,
                         headers=[("h", str(n).encode())])  # fmt: skip
        if n == 3:
            assert producer.flush(10) == 0
            early = end_offsets(stack.kafka_admin, topic)
    assert producer.flush(10) == 0
    found = list(read_topic(stack.kafka_admin, topic))
    by_partition = {p: [m.value for m in found if m.partition == p] for p in (0, 1)}
    assert by_partition == {0: [b"0", b"2", b"4"], 1: [b"1", b"3", b"5"]}
    assert found[0].header("h") == found[0].value.decode() and found[0].timestamp_ms > 0
    assert len(list(read_topic(stack.kafka_admin, topic, ends=early))) == 4


def test_a_missing_topic_is_refused_unless_allowed(stack: StackSettings) -> None:
    """No silent empty answer for a topic that does not exist, unless the caller says so."""
    with pytest.raises(TopicReadError, match="topic not found"):
        list(read_topic(stack.kafka_admin, "t.no.such.topic.anywhere"))
    assert list(read_topic(stack.kafka_admin, "t.no.such.topic.anywhere", missing_ok=True)) == []


def test_a_topic_it_may_not_read_is_an_error_not_empty(stack: StackSettings) -> None:
    """Denied by ACL is never "missing": a checker that cannot read must fail, not pass."""
    with pytest.raises(TopicReadError, match="not authorised"):
        list(read_topic(stack.kafka_client(PROJECTION), "mcr.linked", missing_ok=True))
