"""The Keycloak service's files: the realm's security settings, demo users, admin secret (pure)."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path
from typing import Any

import pytest

from deploy.local.keycloak import REALM_FILE, Keycloak, unpack
from deploy.local.settings import StackSettings
from producers.simulator.region import REGION

REALM: dict[str, Any] = json.loads(REALM_FILE.read_text())


def _client(client_id: str) -> dict[str, Any]:
    return next(c for c in REALM["clients"] if c["clientId"] == client_id)


def _roles(user: dict[str, Any]) -> list[dict[str, str]]:
    return [json.loads(value) for value in user["attributes"].get("nhsid_nrbac_roles", [])]


def test_viewer_client_allows_only_authorization_code_with_pkce_s256() -> None:
    """mcr-viewer is public, code flow only, PKCE S256, redirects to the viewer on loopback
    (8480, and 8481 and 8483 where the browser tests serve it)."""
    viewer = _client("mcr-viewer")

    assert viewer["publicClient"] is True
    assert viewer["standardFlowEnabled"] is True
    assert viewer["directAccessGrantsEnabled"] is False
    assert viewer["implicitFlowEnabled"] is False
    assert viewer["serviceAccountsEnabled"] is False
    assert viewer["attributes"]["pkce.code.challenge.method"] == "S256"
    assert viewer["redirectUris"] == [
        "http://127.0.0.1:8480/auth/callback",
        "http://127.0.0.1:8481/auth/callback",
        "http://127.0.0.1:8483/auth/callback",
    ]


def test_only_the_test_client_has_direct_access_grants() -> None:
    """The password grant is enabled for mcr-test alone, which has no browser flow."""
    with_password_grant = [
        c["clientId"] for c in REALM["clients"] if c["directAccessGrantsEnabled"]
    ]

    assert with_password_grant == ["mcr-test"]
    assert _client("mcr-test")["standardFlowEnabled"] is False


def test_access_tokens_carry_the_api_audience() -> None:
    """The shared client scope adds aud=mcr-api to access tokens of every client."""
    scope = next(s for s in REALM["clientScopes"] if s["name"] == "mcr-cis2")
    audience = next(
        m for m in scope["protocolMappers"] if m["protocolMapper"] == "oidc-audience-mapper"
    )

    assert audience["config"]["included.custom.audience"] == "mcr-api"
    assert audience["config"]["access.token.claim"] == "true"
    assert all(c["defaultClientScopes"] == ["mcr-cis2"] for c in REALM["clients"])
    assert not [m for m in scope["protocolMappers"] if "script" in m["protocolMapper"]]


def test_demo_users_are_marked_and_work_at_real_region_organisations() -> None:
    """Every user is flagged as a demo user, and every role names an ODS code of the region."""
    demo = [u for u in REALM["users"] if u["username"].startswith("demo-")]

    assert len(demo) == 9
    assert "demo" in REALM["displayName"]
    for user in REALM["users"]:
        assert user["attributes"]["mcr_demo_user"] == ["true"]
        assert {r["org_code"] for r in _roles(user)} <= {org.code for org in REGION.organisations}
    for user in demo:
        selected = user["attributes"]["selected_roleid"][0]
        assert selected in {r["person_roleid"] for r in _roles(user)}


def test_the_only_other_users_are_the_two_refused_on_purpose() -> None:
    """Besides the demo users, the realm holds a user with no role and one with a stale selection."""
    others = {u["username"]: u["attributes"] for u in REALM["users"]}
    others = {name: attrs for name, attrs in others.items() if not name.startswith("demo-")}

    assert set(others) == {"test-no-role", "test-stale-selected-role"}
    assert "nhsid_nrbac_roles" not in others["test-no-role"]
    stale = others["test-stale-selected-role"]
    assert stale["selected_roleid"][0] not in {
        json.loads(r)["person_roleid"] for r in stale["nhsid_nrbac_roles"]
    }


def test_one_demo_user_holds_two_roles_at_two_organisations() -> None:
    """The realm has a user with two roles at two different organisations."""
    two = [u for u in REALM["users"] if len({r["org_code"] for r in _roles(u)}) == 2]

    assert [u["username"] for u in two] == ["demo-gp-two-roles"]


def test_role_attributes_are_admin_only_in_the_user_profile() -> None:
    """Users cannot edit their own uid, roles or selected role through the account console."""
    provider = REALM["components"]["org.keycloak.userprofile.UserProfileProvider"][0]
    profile = json.loads(provider["config"]["kc.user.profile.config"][0])
    by_name = {a["name"]: a for a in profile["attributes"]}

    for name in ("uid", "nhsid_nrbac_roles", "selected_roleid", "mcr_demo_user"):
        assert by_name[name]["permissions"] == {"view": ["admin"], "edit": ["admin"]}


def test_admin_password_is_generated_once_into_a_private_file(tmp_path: Path) -> None:
    """The bootstrap password is random, kept in a 0600 file and stable across calls."""
    service = Keycloak(StackSettings.from_env({"MCR_RUN_DIR": str(tmp_path)}))
    service.home.mkdir(parents=True)

    first = service.admin_password()

    assert len(first) >= 32
    assert service.admin_password() == first
    assert stat.S_IMODE(service.password_file.stat().st_mode) == 0o600
    assert first not in REALM_FILE.read_text()


@pytest.mark.parametrize(("mode", "executable"), [(0o755, True), (0o644, False)])
def test_unpack_keeps_the_executable_bit(tmp_path: Path, mode: int, executable: bool) -> None:
    """Scripts such as bin/kc.sh stay executable after unzipping (zipfile alone drops modes)."""
    archive = tmp_path / "dist.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        info = zipfile.ZipInfo("dist/bin/kc.sh")
        info.external_attr = (stat.S_IFREG | mode) << 16
        zipped.writestr(info, "#!/bin/sh\n")

    unpack(archive, tmp_path / "out")

    file_mode = (tmp_path / "out" / "dist" / "bin" / "kc.sh").stat().st_mode
    assert bool(file_mode & stat.S_IXUSR) is executable
