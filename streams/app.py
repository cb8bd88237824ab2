"""The one faust application of the pipeline's stream processors.

Every processor module is listed explicitly in ``autodiscover`` (no package scanning by
accident); a new processor adds its ``agents`` module here. Values and keys are raw bytes:
events stay in their Avro single-object encoding from source to projection.
"""

from __future__ import annotations

import os

import faust

__all__ = ["AGENT_MODULES", "app"]

AGENT_MODULES = ["streams.identity.agents", "streams.consent.agents"]

app = faust.App(
    os.environ.get("MCR_STREAMS_APP_ID", "mcr-streams"),
    broker=f"kafka://{os.environ.get('MCR_KAFKA_BOOTSTRAP', '127.0.0.1:9092')}",
    autodiscover=AGENT_MODULES,
    origin="streams",
    store="memory://",
    key_serializer="raw",
    value_serializer="raw",
    topic_replication_factor=1,
    web_enabled=False,
)
