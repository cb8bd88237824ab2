"""Talking to the local Keycloak from tests: tokens by password grant, the realm's admin API."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from deploy.local.keycloak import ADMIN_USER, REALM_FILE, Keycloak
from deploy.local.settings import StackSettings

DEMO_PASSWORD = "mcr-demo-only"
REALM: dict[str, Any] = json.loads(REALM_FILE.read_text())


def _call(
    url: str,
    *,
    form: dict[str, str] | None = None,
    token: str | None = None,
    method: str | None = None,
    body: Any = None,
) -> tuple[int, Any]:
    data, headers = None, {"Accept": "application/json"}
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
    elif body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, json.loads(raw) if raw else None


def password_grant(
    stack: StackSettings, username: str, *, client_id: str = "mcr-test"
) -> tuple[int, Any]:
    """(status, body) of a password grant for a realm user (the test client allows it)."""
    return _call(
        f"{stack.auth_issuer}/protocol/openid-connect/token",
        form={
            "grant_type": "password",
            "client_id": client_id,
            "username": username,
            "password": DEMO_PASSWORD,
            "scope": "openid",
        },
    )


def tokens_for(stack: StackSettings, username: str) -> dict[str, str]:
    """The access and ID tokens of a demo user; fails the test when Keycloak refuses."""
    status, body = password_grant(stack, username)
    assert status == 200, f"password grant for {username}: {status} {body}"
    return {"access": body["access_token"], "id": body["id_token"]}


def jwks(stack: StackSettings) -> list[dict[str, Any]]:
    status, body = _call(f"{stack.auth_issuer}/protocol/openid-connect/certs")
    assert status == 200
    return list(body["keys"])


def admin_token(stack: StackSettings) -> str:
    """A token for the bootstrap admin (password from .run/keycloak/admin-password)."""
    password = Keycloak(stack).admin_password()
    status, body = _call(
        f"{stack.keycloak_url}/realms/master/protocol/openid-connect/token",
        form={
            "grant_type": "password",
            "client_id": "admin-cli",
            "username": ADMIN_USER,
            "password": password,
        },
    )
    assert status == 200, f"admin token: {status}"
    return str(body["access_token"])


def admin(
    stack: StackSettings, path: str, *, method: str = "GET", body: Any = None
) -> tuple[int, Any]:
    """Call the mcr realm's admin REST API."""
    url = f"{stack.keycloak_url}/admin/realms/mcr{path}"
    return _call(url, token=admin_token(stack), method=method, body=body)
