"""The query service against the real stack: a fresh record alias, fresh consent and audit
schemas, documents written through the projection's own document builder and writer, the real
uvicorn server on a free port in a thread, and real bearer tokens from the local Keycloak (the
demo GP, ``demo-gp``, by the test client's password grant)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
import pytest
from opensearchpy import OpenSearch
from starlette.datastructures import Headers

from consumers.api import audit
from consumers.api.app import create_app
from consumers.api.auth import Authenticator, AuthSettings
from consumers.api.chain import ChainedRow
from consumers.api.records import RecordReader
from consumers.api.server import RunningServer, Service, build_service, start_in_thread
from consumers.api.settings import ApiSettings
from deploy.local import StackSettings
from mcr.core.settings import replace as replace_settings
from projections.record.bulk import versioned_ops
from projections.record.documents import Origin, build_document
from projections.record.ids import template_name
from projections.record.indices import ensure_alias
from projections.record.settings import RecordSettings
from projections.record.writer import RecordWriter
from schemas.events import RecordType
from streams.consent import repository as consent_repository
from streams.consent.state import Preference
from streams.identity.offline.sandbox import Sandbox
from tests.conftest import unique_name
from tests.integration.api.browser import chromium
from tests.integration.auth.keycloak_client import tokens_for

T0 = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
PURPOSE = {"X-MCR-Purpose": "direct-care"}
#: The demo GP's ids (deploy/local/keycloak/realm-mcr.json): what the audit rows record.
GP_USER_ID, GP_ROLE_ID, GP_ORG = "555000000001", "555000001001", "E81001"
_TOKEN_REUSE_S = 60  # access tokens live 5 minutes; a fresh one well before that
_tokens: dict[str, tuple[float, str]] = {}


def api_roles(stack: StackSettings) -> dict[str, str]:
    """The query service's database roles (ApiSettings fields), as ``mcr stack up`` exports
    them: reading consent, writing the audit, owning the audit, the operators'."""
    return {"postgres_dsn": stack.query_dsn, "audit_dsn": stack.audit_writer_dsn,
            "audit_admin_dsn": stack.audit_owner_dsn, "operator_dsn": stack.operator_dsn}  # fmt: skip


def access_token(stack: StackSettings, username: str = "demo-gp") -> str:
    """A current access token of a demo user (fetched again after a minute)."""
    fetched = _tokens.get(username)
    if fetched is None or time.monotonic() - fetched[0] > _TOKEN_REUSE_S:
        fetched = (time.monotonic(), tokens_for(stack, username)["access"])
        _tokens[username] = fetched
    return fetched[1]


def bearer(token: str) -> dict[str, str]:
    """The Authorization header of ``token``."""
    return {"Authorization": f"Bearer {token}"}


def header(
    org: str,
    local_id: str,
    record_id: str,
    *,
    nhs: str | None = None,
    minutes: int = 0,
    operation: str = "UPSERT",
    labels: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A source event header (synthetic)."""
    return {
        "event_id": str(uuid.uuid4()),
        "org": org,
        "source_system": "synthetic",
        "local_patient_id": local_id,
        "nhs_number": nhs,
        "nhs_number_status": "VERIFIED",
        "source_record_id": record_id,
        "record_version": 1,
        "occurred_at": T0 + timedelta(minutes=minutes),
        "recorded_at": T0 + timedelta(minutes=minutes, seconds=30),
        "operation": operation,
        "confidentiality": list(labels),
    }


def patient(
    org: str,
    local_id: str,
    record_id: str,
    *,
    nhs: str,
    family: str,
    born: str = "1970-01-01",
    labels: tuple[str, ...] = (),
) -> tuple[RecordType, dict[str, Any]]:
    """A patient event of an invented person."""
    return RecordType.PATIENT, {
        "header": header(org, local_id, record_id, nhs=nhs, labels=labels),
        "given_names": ["Alexa"],
        "family_name": family,
        "birth_date": date.fromisoformat(born),
        "sex": "FEMALE",
        "postcode": "LU1 1AA",
        "address_lines": ["1 Example Street"],
        "registered_gp_practice": "E81001",
    }


def result(
    org: str,
    local_id: str,
    record_id: str,
    *,
    value: float = 13.2,
    minutes: int = 0,
    operation: str = "UPSERT",
    labels: tuple[str, ...] = (),
    category: str | None = None,
) -> tuple[RecordType, dict[str, Any]]:
    """A haemoglobin result (of ``category``, result v2; none: as a v1 result, which is a
    laboratory result)."""
    optional = {"category": category} if category else {}
    return RecordType.RESULT, {
        "header": header(
            org, local_id, record_id, minutes=minutes, operation=operation, labels=labels
        ),
        "code": {"system": "LOINC", "code": "718-7", "display": "Haemoglobin"},
        "status": "FINAL",
        "value_quantity": value,
        "unit": "g/dL",
        "reference_low": 11.5,
        "reference_high": 16.5,
        "abnormal_flag": "NORMAL",
        "issued_at": T0,
        **optional,
    }


def medication(
    org: str,
    local_id: str,
    record_id: str,
    *,
    display: str = "Amlodipine 5mg",
    status: str = "ACTIVE",
    end_date: date | None = None,
    minutes: int = 0,
) -> tuple[RecordType, dict[str, Any]]:
    """A repeat prescription (``display``, ``status``, ended on ``end_date`` when given)."""
    return RecordType.MEDICATION, {
        "header": header(org, local_id, record_id, minutes=minutes),
        "medication": {"system": "DMD", "code": "39732311000001104", "display": display},
        "status": status,
        "course": "REPEAT",
        "dose_text": "one daily",
        "end_date": end_date,
    }


def condition(
    org: str,
    local_id: str,
    record_id: str,
    *,
    display: str = "Hypertension",
    status: str = "ACTIVE",
) -> tuple[RecordType, dict[str, Any]]:
    """A problem on the problem list."""
    return RecordType.CONDITION, {
        "header": header(org, local_id, record_id),
        "code": {"system": "SNOMED", "code": "38341003", "display": display},
        "category": "PROBLEM",
        "clinical_status": status,
        "verification_status": "CONFIRMED",
    }  # fmt: skip


def allergy(org: str, local_id: str, record_id: str) -> tuple[RecordType, dict[str, Any]]:
    """A penicillin allergy."""
    return RecordType.ALLERGY, {
        "header": header(org, local_id, record_id),
        "code": {"system": "SNOMED", "code": "91936005", "display": "Allergy to penicillin"},
        "clinical_status": "ACTIVE",
        "criticality": "HIGH",
        "categories": ["MEDICATION"],
    }


@dataclass
class Reply:
    """An HTTP answer: status, headers and the decoded JSON body."""

    status: int
    headers: Headers
    """Case-insensitive, as HTTP header names are."""
    body: Any


@dataclass
class ApiStack:
    """The running service and the stores behind it, for one test."""

    stack: StackSettings
    settings: ApiSettings
    auth: AuthSettings
    client: OpenSearch
    service: Service
    server: RunningServer
    consent_conn: psycopg.Connection[Any]
    audit_conn: psycopg.Connection[Any]

    def index(self, person_id: str, *events: tuple[RecordType, dict[str, Any]]) -> None:
        """Write ``events`` of ``person_id`` as the projection does, then refresh."""
        origin = Origin(person_id, "mcr.shared", 0, 0, datetime.now(UTC))
        docs = [build_document(rt, payload, origin, schema_version=1) for rt, payload in events]
        writer = RecordWriter(self.client, target=self.settings.alias, require_alias=True)
        outcome = writer.bulk(
            versioned_ops([d for d in docs if d is not None], index=self.settings.alias)
        )
        assert outcome.rejected == () and outcome.retry == ()
        writer.refresh()

    def consent(self, preference: Preference, *, source_key: str, person_id: str) -> None:
        """Store a consent preference the way the consent stage does."""
        consent_repository.save(
            self.consent_conn, preference, source_key=source_key, person_id=person_id
        )

    @property
    def viewer(self) -> dict[str, str]:
        """The demo GP's bearer token and the direct-care purpose."""
        return {**bearer(access_token(self.stack)), **PURPOSE}

    def get(
        self,
        path: str,
        headers: dict[str, str] | None = None,
        method: str = "GET",
        data: bytes | None = None,
    ) -> Reply:
        """Call the real server over HTTP (the GP's headers unless ``headers`` is given)."""
        request = urllib.request.Request(
            self.server.url + path,
            headers=self.viewer if headers is None else headers,
            method=method,
            data=data,
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                raw, status, found = answer.read(), answer.status, Headers(dict(answer.headers))
        except urllib.error.HTTPError as error:
            raw, status, found = error.read(), error.code, Headers(dict(error.headers))
        kind = found.get("Content-Type", "")
        return Reply(status, found, json.loads(raw) if "json" in kind else raw.decode())

    def audit_rows(self) -> list[ChainedRow]:
        """Every audit row, in order."""
        return list(audit.rows(self.audit_conn))

    @contextmanager
    def serving(self, **options: Any) -> Iterator[ApiStack]:
        """Another application on this stack's record reader, consent reader and audit log,
        built with ``create_app`` ``options`` (e.g. another ``authenticator``), serving on its
        own free port for the block."""
        app = create_app(
            records=RecordReader(self.client, alias=self.settings.alias),
            consent=self.service.consent,
            audit=self.service.audit,
            authenticator=options.pop("authenticator", Authenticator(self.auth)),
            public_config=self.service.app.state.public_config,
            governance=options.pop("governance", self.service.app.state.governance),
            directory=options.pop("directory", self.service.app.state.directory),
            **options,
        )
        # The same stores answer for it: its readiness probe is the service's (a probe with no
        # check at all says 503, which the fuzzing rightly calls a server error).
        app.state.readiness = self.service.app.state.readiness
        server = start_in_thread(app)
        try:
            yield replace(self, server=server)
        finally:
            server.stop()

    @contextmanager
    def variant(self, **changes: Any) -> Iterator[ApiStack]:
        """A second service on these settings with ``changes`` (same alias and audit log),
        serving on its own free port for the block."""
        settings = replace_settings(self.settings, **changes)
        service = build_service(settings, self.auth)
        server = start_in_thread(service.app)
        try:
            yield replace(self, settings=settings, service=service, server=server)
        finally:
            server.stop()
            service.close()


@pytest.fixture
def api_stack(stack: StackSettings) -> Iterator[ApiStack]:
    """A fresh alias and schemas (each made by its owner's role), and the real service serving
    them on a free port with the service's own roles."""
    alias = f"t-api-{uuid.uuid4().hex[:10]}"
    audit_schema, consent_schema = unique_name("t_audit"), unique_name("t_consent")
    consent_conn = consent_repository.connect(stack.consent_dsn, consent_schema)
    client = OpenSearch(
        hosts=[stack.opensearch_url], timeout=30, ca_certs=str(stack.opensearch_ca_file)
    )
    ensure_alias(
        client, RecordSettings(alias=alias, refresh_interval="100ms"), now=datetime.now(UTC)
    )
    settings = ApiSettings(
        port=0,
        opensearch_url=stack.opensearch_user_url("mcr_query"),
        opensearch_ca_file=str(stack.opensearch_ca_file),
        alias=alias,
        **api_roles(stack),
        consent_schema=consent_schema,
        audit_schema=audit_schema,
        audit_key_file=str(stack.audit_key_file),
        kafka=stack.kafka_admin,
        anchor_interval_s=0.2,
    )
    auth = AuthSettings(issuer=stack.auth_issuer)
    service = build_service(settings, auth)
    server = start_in_thread(service.app)
    audit_conn = audit.connect(stack.audit_owner_dsn, audit_schema)
    yield ApiStack(stack, settings, auth, client, service, server, consent_conn, audit_conn)
    server.stop()
    service.close()
    consent_conn.close()
    audit_conn.close()
    with psycopg.connect(stack.postgres_dsn, autocommit=True) as conn:
        for schema in (audit_schema, consent_schema):
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    client.indices.delete(index=f"{alias}-v*", params={"ignore_unavailable": "true"})
    client.indices.delete_index_template(name=template_name(alias), params={"ignore": 404})
    client.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    """A headless Chromium for the browser tests that open several pages."""
    with chromium() as found:
        yield found


@pytest.fixture
def service_url(
    streams_sandbox: Sandbox, stack: StackSettings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The record projection and the query service on a sandbox with a real streams worker
    (``live_pipeline.serve_on_sandbox``); yields the service's URL."""
    # Imported here: live_pipeline imports this module (api_roles).
    from tests.integration.api.live_pipeline import serve_on_sandbox

    yield from serve_on_sandbox(streams_sandbox, stack, monkeypatch)
