"""OpenSearch security plugin configuration: who may do what on the record indices.

Users (one per component, docs/security-stores.md): the record projection writes and manages
its record indices, their template and the alias; the query service reads the alias; the
operators rebuild and verify (read and write the record indices, manage them); the admin
(the stack's bootstrap and the tests' admin fixture) may do anything. Nobody else gets in:
anonymous access is off.

:func:`security_files` is pure (users' password hashes come in); :func:`node_settings` is
what goes into ``opensearch.yml``. The same files are the deployment's template
(``deploy/opensearch-security/``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from deploy.local.opensearch_tls import ADMIN_DN, NODE_DN

__all__ = [
    "ADMIN",
    "OPERATOR",
    "PROJECTION",
    "QUERY",
    "USERS",
    "node_settings",
    "role_mappings",
    "roles",
    "security_files",
]

ADMIN, PROJECTION, QUERY, OPERATOR = "admin", "mcr_projection", "mcr_query", "mcr_operator"
USERS = (ADMIN, PROJECTION, QUERY, OPERATOR)
#: The record's index family: ``<alias>-v<N>`` indices, templates, the alias itself. Tests and
#: benchmarks use other aliases (``t-*``, ``bench-*``), so the local patterns cover them too.
RECORD_PATTERNS = ("record", "record-*", "t-*", "bench-*")
_META = {"_meta": {"type": "config", "config_version": 2}}
_CLEAR_SCROLL = "indices:data/read/scroll/clear"  # not in the *_composite_ops groups
_PING = "cluster:monitor/main"  # the root's name and version: what a readiness probe asks


def _record_manager(description: str) -> dict[str, Any]:
    """A role that writes and manages the record indices, their templates and the alias (the
    projection, and the operators who rebuild and verify): one definition, so they never drift."""
    return {
        "description": description,
        "cluster_permissions": [
            "cluster_monitor",
            "cluster_composite_ops",
            _CLEAR_SCROLL,
            "indices:admin/template/*",
            "indices:admin/index_template/*",
            "indices:admin/aliases*",
        ],
        "index_permissions": [
            {
                "index_patterns": list(RECORD_PATTERNS),
                "allowed_actions": ["crud", "create_index", "manage", "indices:admin/aliases*"],
            }
        ],
    }


_ROLES: dict[str, dict[str, Any]] = {
    "mcr_record_writer": _record_manager(
        "record projection: write and manage the record indices and alias"
    ),
    "mcr_record_reader": {
        "description": "query service: read the record alias",
        "cluster_permissions": ["cluster_composite_ops_ro", _CLEAR_SCROLL, _PING],
        "index_permissions": [
            {"index_patterns": list(RECORD_PATTERNS), "allowed_actions": ["read"]}
        ],
    },
    "mcr_record_operator": _record_manager(
        "operators: rebuild and verify the record (read, write, manage)"
    ),
}
_MAPPING = {
    "all_access": ADMIN,
    "mcr_record_writer": PROJECTION,
    "mcr_record_reader": QUERY,
    "mcr_record_operator": OPERATOR,
}


def roles() -> dict[str, dict[str, Any]]:
    """Our roles (``roles.yml``), for the admin's REST API as much as for the files."""
    return {name: dict(body) for name, body in _ROLES.items()}


def role_mappings() -> dict[str, dict[str, Any]]:
    """Which user holds which role (``roles_mapping.yml``)."""
    return {role: {"users": [user]} for role, user in _MAPPING.items()}


def security_files(password_hashes: Mapping[str, str]) -> dict[str, str]:
    """The security plugin's configuration files (YAML text by file name) for the users in
    ``password_hashes`` (user name -> bcrypt hash)."""
    users = {name: {"hash": password_hashes[name], "reserved": name == ADMIN,
                    "description": f"mcr {name}"} for name in USERS}  # fmt: skip
    mapping = {role: {"users": [user], "reserved": False} for role, user in _MAPPING.items()}
    auth = {"basic_internal_auth_domain": {
        "http_enabled": True, "transport_enabled": True, "order": 0,
        "http_authenticator": {"type": "basic", "challenge": True},
        "authentication_backend": {"type": "intern"},
    }}  # fmt: skip
    config = {"dynamic": {"http": {"anonymous_auth_enabled": False}, "authc": auth}}
    files = {
        "internal_users.yml": users,
        "roles.yml": _ROLES,
        "roles_mapping.yml": mapping,
        "config.yml": {"config": config},
        "action_groups.yml": {},
        "tenants.yml": {},
        "nodes_dn.yml": {},
        "allowlist.yml": {"config": {"enabled": False, "requests": {}}},
        "audit.yml": {"config": {"enabled": False}},
    }
    return {
        name: yaml.safe_dump({**_META, **body}, sort_keys=False) for name, body in files.items()
    }


def node_settings(*, http_tls: bool) -> dict[str, Any]:
    """The node's security settings (``opensearch.yml``): TLS on the transport always, on HTTP
    when ``http_tls``; the certificates of ``deploy.local.opensearch_tls`` in the config folder."""
    pem = {"pemcert_filepath": "node.pem", "pemkey_filepath": "node-key.pem",
           "pemtrustedcas_filepath": "root-ca.pem"}  # fmt: skip
    found: dict[str, Any] = {f"plugins.security.ssl.transport.{k}": v for k, v in pem.items()}
    found["plugins.security.ssl.transport.enforce_hostname_verification"] = False
    found["plugins.security.ssl.http.enabled"] = http_tls
    if http_tls:
        found |= {f"plugins.security.ssl.http.{k}": v for k, v in pem.items()}
    return found | {
        "plugins.security.allow_default_init_securityindex": True,
        "plugins.security.authcz.admin_dn": [ADMIN_DN],
        "plugins.security.nodes_dn": [NODE_DN],
        "plugins.security.audit.type": "noop",
        "plugins.security.restapi.roles_enabled": ["all_access"],
        "plugins.security.system_indices.enabled": True,
        "plugins.security.check_snapshot_restore_write_privileges": True,
    }
