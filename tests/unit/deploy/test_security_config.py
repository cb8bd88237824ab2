"""The stores' security configuration, as data: PostgreSQL grants, OpenSearch roles and users,
the local CA's certificates (pure)."""

from __future__ import annotations

import datetime

import yaml
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from psycopg import sql

from deploy.local.opensearch_security import USERS, node_settings, role_mappings, security_files
from deploy.local.opensearch_tls import ADMIN_DN, NODE_DN, issue
from deploy.local.postgres_roles import HBA, ROLES, grant_statements


def _text(statements: list[sql.Composed]) -> list[str]:
    return [s.as_string(None) for s in statements]


def test_pg_hba_trusts_nobody() -> None:
    """No ``trust`` line; TCP only by SCRAM; peer only for the postgres OS user."""
    rules = [line.split() for line in HBA.splitlines() if line and not line.startswith("#")]
    assert all("trust" not in rule for rule in rules)
    assert {rule[-1] for rule in rules if rule[0] == "host"} == {"scram-sha-256"}
    assert [rule[2] for rule in rules if rule[-1] == "peer"] == ["postgres"]


def test_only_owning_roles_may_create_schemas() -> None:
    """CREATE on the database for the schema owners, revoked from the query and writer roles."""
    statements = _text(grant_statements())
    granted = {s.split()[-1].strip('"') for s in statements if s.startswith("GRANT CREATE ON")}
    revoked = {
        s.split()[-1].strip('"') for s in statements if s.startswith("REVOKE CREATE ON DATABASE")
    }
    assert granted == {"mcr_identity", "mcr_consent", "mcr_audit_owner", "mcr_operator",
                       "mcr_planning"}  # fmt: skip
    assert revoked == {"mcr_query", "mcr_audit_writer", "mcr_record"}
    assert granted == {r.name for r in ROLES if r.creates_schemas}


def test_default_privileges_follow_the_roles_table() -> None:
    """Each cross-schema read is a default privilege of the owner to the reader."""
    found = {s for s in _text(grant_statements()) if "DEFAULT PRIVILEGES" in s and "TABLES" in s}
    everywhere = {s for s in found if " IN SCHEMA " not in s}
    pairs = {(s.split()[5].strip('"'), s.split()[-1].strip('"')) for s in everywhere}
    assert pairs == {("mcr_identity", "mcr_operator"), ("mcr_consent", "mcr_query"),
                     ("mcr_audit_owner", "mcr_operator"), ("mcr_operator", "mcr_identity"),
                     ("mcr_operator", "mcr_query"), ("mcr_planning", "mcr_operator")}  # fmt: skip


def test_receipt_writers_get_the_receipts_schema_and_nothing_else_of_the_operators() -> None:
    """The record projection and the planning store write purge receipts: their rights on
    the operators' tables are confined to the receipts schema (never the registry)."""
    statements = _text(grant_statements())
    for writer in ("mcr_record", "mcr_planning"):
        theirs = [s for s in statements if s.endswith(f'"{writer}"')]
        operators = [s for s in theirs if '"mcr_operator"' in s or "governance" in s]
        assert operators, writer
        assert all('"governance"' in s for s in operators), operators
        assert not any("DELETE" in s or "TRUNCATE" in s for s in theirs), theirs
    assert 'CREATE SCHEMA IF NOT EXISTS "governance" AUTHORIZATION "mcr_operator"' in statements


def test_an_upgrade_grants_on_schemas_made_before() -> None:
    """A schema found in an old data folder gets the grants new ones get by default."""
    statements = _text(grant_statements({"consent": "mcr_consent"}))
    on_consent = [s for s in statements if 'SCHEMA "consent"' in s]
    assert any("USAGE ON SCHEMA" in s and "mcr_query" in s for s in on_consent)
    assert any("ON ALL TABLES IN SCHEMA" in s and "mcr_query" in s for s in on_consent)


def test_security_files_parse_and_give_each_user_its_role() -> None:
    """The plugin's files are YAML of config version 2; every user has a hash, no anonymous
    access, and the query service's role may only read."""
    files = {name: yaml.safe_load(text) for name, text in security_files(
        dict.fromkeys(USERS, "$2b$12$hash")).items()}  # fmt: skip
    assert all(f["_meta"] == {"type": "config", "config_version": 2} for f in files.values())
    assert set(files["internal_users.yml"]) - {"_meta"} == set(USERS)
    assert files["config.yml"]["config"]["dynamic"]["http"]["anonymous_auth_enabled"] is False
    reader = files["roles.yml"]["mcr_record_reader"]["index_permissions"][0]["allowed_actions"]
    assert reader == ["read"]
    assert {r: m["users"] for r, m in role_mappings().items()} == {
        "all_access": ["admin"], "mcr_record_writer": ["mcr_projection"],
        "mcr_record_reader": ["mcr_query"], "mcr_record_operator": ["mcr_operator"],
    }  # fmt: skip


def test_node_settings_name_the_certificates_and_the_admin() -> None:
    """TLS on the transport always, on HTTP as asked; the admin and node DNs of the CA."""
    local, deployed = node_settings(http_tls=False), node_settings(http_tls=True)
    assert local["plugins.security.ssl.transport.pemcert_filepath"] == "node.pem"
    assert local["plugins.security.ssl.http.enabled"] is False
    assert deployed["plugins.security.ssl.http.pemtrustedcas_filepath"] == "root-ca.pem"
    assert local["plugins.security.authcz.admin_dn"] == [ADMIN_DN]
    assert local["plugins.security.nodes_dn"] == [NODE_DN]


def test_the_local_ca_signs_a_node_and_an_admin_certificate() -> None:
    """The node's certificate serves 127.0.0.1 for server and client use, the admin's is a
    client certificate, both issued by the CA, with the DNs the node settings name."""
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    files = issue(now=now)
    ca = x509.load_pem_x509_certificate(files["root-ca.pem"])
    node = x509.load_pem_x509_certificate(files["node.pem"])
    admin = x509.load_pem_x509_certificate(files["admin.pem"])
    assert node.issuer == ca.subject == admin.issuer
    node.verify_directly_issued_by(ca)
    admin.verify_directly_issued_by(ca)
    assert node.subject.rfc4514_string() == NODE_DN
    assert admin.subject.rfc4514_string() == ADMIN_DN
    names = node.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "127.0.0.1" in [str(ip) for ip in names.get_values_for_type(x509.IPAddress)]
    usage = admin.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert files["node-key.pem"].startswith(b"-----BEGIN PRIVATE KEY-----")
