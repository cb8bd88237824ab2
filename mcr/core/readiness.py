"""Do the stores answer? Short, bounded checks for a worker's ``/ready`` probe.

Each check opens its own short-lived connection (the probe runs in the metrics thread, never
on a worker's own connections) and returns a bool: a probe must not raise, and must not put an
error message (which may carry a DSN) anywhere.
"""

from __future__ import annotations

import ssl
import urllib.request

import psycopg
from confluent_kafka.admin import AdminClient
from opensearchpy import OpenSearch

from mcr.core.kafka_client import KafkaClientSettings

__all__ = ["http_answers", "kafka_answers", "opensearch_answers", "postgres_answers"]

TIMEOUT_S = 2.0


def postgres_answers(dsn: str) -> bool:
    try:
        with psycopg.connect(dsn, connect_timeout=int(TIMEOUT_S), autocommit=True) as conn:
            return conn.execute("SELECT 1").fetchone() == (1,)
    except psycopg.Error:
        return False


def kafka_answers(kafka: KafkaClientSettings) -> bool:
    """True when the broker answers ``kafka``'s principal a metadata request (TLS and SCRAM
    included: a rotated or missing password makes the process unready)."""
    try:
        config = kafka.config(**{"socket.connection.setup.timeout.ms": int(TIMEOUT_S * 1000)})
        metadata = AdminClient(config).list_topics(timeout=TIMEOUT_S)
    except Exception:  # KafkaException: no broker within the timeout
        return False
    return bool(metadata.brokers)


def opensearch_answers(url: str) -> bool:
    client = OpenSearch(hosts=[url], timeout=TIMEOUT_S)
    try:
        return bool(client.ping())
    except Exception:  # ping swallows most errors; a bad URL still raises
        return False
    finally:
        client.close()


def http_answers(url: str, *, ca_file: str = "") -> bool:
    """``url`` answers 200 (an identity provider's discovery document, a health route);
    ``ca_file`` is the CA bundle for its TLS (system CAs when empty)."""
    if not url.startswith(("http://", "https://")):
        return False
    context = ssl.create_default_context(cafile=ca_file or None)
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S, context=context) as answer:  # noqa: S310 (scheme checked)
            return bool(answer.status == 200)
    except OSError:  # URLError, HTTPError, timeouts
        return False
