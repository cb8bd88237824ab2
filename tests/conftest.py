"""Shared fixtures. Integration tests get the real local stack (started once per run, idempotent)
and a fresh topic, index or database schema per test from factory fixtures."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from deploy.local import StackSettings
from deploy.local import up as stack_up
from deploy.local.settings import export_client_defaults

# Clients in tests (SDK, identity, projection) follow the stack's ports, as under `mcr`.
export_client_defaults()

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = PROJECT_ROOT.parent / "shared" / "fixtures"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/integration is an integration test (needs the real stack)."""
    for item in items:
        if "tests/integration/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """``../shared/fixtures`` (real FHIR, HL7 v2, Synthea and linkage material)."""
    assert FIXTURES.is_dir(), f"shared fixtures missing at {FIXTURES}"
    return FIXTURES


@pytest.fixture(scope="session")
def stack() -> StackSettings:
    """The real local stack, brought up if it is not already (one per test run)."""
    settings = StackSettings.from_env()
    stack_up(settings)
    return settings


def unique_name(prefix: str) -> str:
    """A name no other test uses (lower case: valid for topics, indices and schemas)."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def topic_factory(stack: StackSettings) -> Iterator[Callable[..., str]]:
    """Create fresh topics for one test; they are deleted afterwards."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient(stack.kafka_admin.config())
    created: list[str] = []

    def create(
        prefix: str = "test", partitions: int = 1, config: dict[str, str] | None = None
    ) -> str:
        name = unique_name(f"t.{prefix}").replace("_", ".")
        futures = admin.create_topics([NewTopic(name, partitions, 1, config=config or {})])
        futures[name].result(timeout=30)
        created.append(name)
        return name

    yield create
    if created:
        for future in admin.delete_topics(created).values():
            future.result(timeout=30)


@pytest.fixture
def opensearch_client(stack: StackSettings) -> Iterator[object]:
    """An opensearch-py client on the local node."""
    from opensearchpy import OpenSearch

    client = OpenSearch(hosts=[stack.opensearch_url], timeout=30)
    yield client
    client.close()


@pytest.fixture
def index_factory(opensearch_client: object) -> Iterator[Callable[[str], str]]:
    """Fresh index names for one test; every index created under them is deleted afterwards."""
    names: list[str] = []

    def make(prefix: str = "test") -> str:
        name = unique_name(f"t-{prefix}").replace("_", "-")
        names.append(name)
        return name

    yield make
    for name in names:
        opensearch_client.indices.delete(index=f"{name}*", ignore_unavailable=True)  # type: ignore[attr-defined]


@pytest.fixture
def pg_schema(stack: StackSettings) -> Iterator[str]:
    """A fresh PostgreSQL schema for one test (dropped afterwards); returns its name."""
    import psycopg

    name = unique_name("t")
    with psycopg.connect(stack.postgres_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    yield name
    with psycopg.connect(stack.postgres_dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{name}" CASCADE')


@pytest.fixture
def pg_conn(stack: StackSettings, pg_schema: str) -> Iterator[object]:
    """A psycopg connection whose search_path is a fresh schema."""
    import psycopg

    with psycopg.connect(
        stack.postgres_dsn, autocommit=True, options=f"-c search_path={pg_schema}"
    ) as conn:
        yield conn
