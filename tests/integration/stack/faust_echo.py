"""A one-agent faust app used by the stack test: echo each value from one topic to another."""

from __future__ import annotations

import os

import faust

from mcr.core.kafka_client import KafkaClientSettings

app = faust.App(
    os.environ.get("ECHO_APP_ID", "echo"),
    **KafkaClientSettings.from_env().faust_broker(),  # MCR_KAFKA_*: SASL_SSL, SCRAM-SHA-512
    store="memory://",
    datadir=os.environ.get("ECHO_DATADIR", "/tmp/faust-echo"),
    web_enabled=False,
    topic_allow_declare=False,
    topic_disable_leader=True,
)
source = app.topic(
    os.environ.get("ECHO_SOURCE", "echo-in"), key_serializer="raw", value_serializer="raw"
)
sink = app.topic(
    os.environ.get("ECHO_SINK", "echo-out"), key_serializer="raw", value_serializer="raw"
)


@app.agent(source)
async def echo(stream: faust.StreamT[bytes]) -> None:
    async for key, value in stream.items():
        await sink.send(key=key, value=b"echoed:" + value)


if __name__ == "__main__":
    app.main()
