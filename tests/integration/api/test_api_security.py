"""Sign-in and hardening of the real service (uvicorn, real Keycloak tokens): the token matrix
refused and audited, identity headers ignored, the acting role, refusals audited, limits, no
input echoed, no server banner."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consumers.api.auth import Authenticator, AuthSettings
from deploy.local import StackSettings
from tests.integration.api.conftest import (
    GP_ROLE_ID,
    GP_USER_ID,
    PURPOSE,
    ApiStack,
    access_token,
    bearer,
    patient,
)
from tests.integration.auth.keycloak_client import tokens_for
from tests.integration.auth.test_keycloak_tokens import (
    _alg_none,
    _another_key_own_kid,
    _another_key_same_kid,
    _bad_signature,
    _expired,
    _hmac_with_public_key,
    _missing_role_claim,
    _not_yet_valid,
    _selected_role_not_held,
    _wrong_audience,
    _wrong_issuer,
)

Case = Callable[[StackSettings, dict[str, str], AuthSettings], tuple[Authenticator, str]]
NHS = "9990000018"
RECORD = "/api/persons/p-sec/record"


def _row(api: ApiStack) -> tuple[str, str, int, str]:
    entry = api.audit_rows()[-1].entry
    return entry.user_id, entry.outcome, entry.status, entry.role_id


@pytest.mark.parametrize(
    ("case", "rule"),
    [(_bad_signature, "signature"), (_another_key_same_kid, "signature"),
     (_another_key_own_kid, "kid"), (_expired, "exp"), (_not_yet_valid, "nbf"),
     (_wrong_issuer, "iss"), (_wrong_audience, "aud"), (_alg_none, "alg"),
     (_hmac_with_public_key, "alg"), (_missing_role_claim, "nhsid_nrbac_roles"),
     (_selected_role_not_held, "selected_roleid")],
    ids=lambda v: v.__name__.strip("_") if callable(v) else None,
)  # fmt: skip
def test_each_bad_token_is_401_naming_its_rule_and_is_audited(
    api_stack: ApiStack, case: Case, rule: str
) -> None:
    """Forged, expired, not yet valid, wrong-issuer, wrong-audience, unsigned and HMAC tokens
    are 401 with WWW-Authenticate: Bearer, a body naming the rule and never the token, and an
    audit row for an anonymous user (outcome unauthenticated)."""
    tokens = tokens_for(api_stack.stack, "demo-gp")
    authenticator, token = case(api_stack.stack, tokens, api_stack.auth)

    with api_stack.serving(authenticator=authenticator) as api:
        reply = api.get(RECORD, headers={**bearer(token), **PURPOSE})

    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")
    assert reply.body == {"error": f"Authorization: bearer token refused ({rule})",
                          "field": "Authorization"}  # fmt: skip
    assert token not in str(reply.headers) + str(reply.body)
    assert _row(api_stack) == ("anonymous", "unauthenticated", 401, "")


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-MCR-User": "demo-clinician"}, {"X-MCR-User": GP_USER_ID, "X-Forwarded-User": GP_USER_ID,
                                           "X-Remote-User": GP_USER_ID, "Remote-User": GP_USER_ID}],
    ids=["nothing", "x-mcr-user", "identity-headers"],
)  # fmt: skip
def test_identity_headers_alone_are_401_and_audited(
    api_stack: ApiStack, headers: dict[str, str]
) -> None:
    """No token means nobody, whatever identity headers a client sends."""
    reply = api_stack.get(f"/api/patients?nhs_number={NHS}", headers={**headers, **PURPOSE})

    assert (reply.status, reply.body["field"]) == (401, "Authorization")
    assert _row(api_stack) == ("anonymous", "unauthenticated", 401, "")


def test_the_acting_role_comes_from_the_token_or_a_held_role_header(api_stack: ApiStack) -> None:
    """The two-role user acts in the selected role, or in their other role by X-MCR-Role; a role
    they do not hold is 400 naming the header; each row records the acting role (none for the
    refused one, but still the user)."""
    token = access_token(api_stack.stack, "demo-gp-two-roles")
    signed_in = {**bearer(token), **PURPOSE}

    selected = api_stack.get("/api/me", headers=signed_in)
    other = api_stack.get("/api/me", headers={**signed_in, "X-MCR-Role": "555000001009"})
    not_held = api_stack.get(RECORD, headers={**signed_in, "X-MCR-Role": GP_ROLE_ID})

    assert (selected.body["acting_role"]["org_code"], other.body["acting_role"]["org_code"]) == (
        "E81025",
        "RWK",
    )
    assert [r["org_code"] for r in selected.body["roles"]] == ["E81025", "RWK"]
    assert (not_held.status, not_held.body) == (
        400,
        {"error": "X-MCR-Role: not one of the user's roles", "field": "X-MCR-Role"},
    )
    rows = [(r.entry.user_id, r.entry.role_id, r.entry.org_code, r.entry.status)
            for r in api_stack.audit_rows()]  # fmt: skip
    # A refused role is not recorded as acting; the user still is.
    assert rows == [("555000000008", "555000001008", "E81025", 200),
                    ("555000000008", "555000001009", "RWK", 200),
                    ("555000000008", "", "", 400)]  # fmt: skip


def test_refusals_are_audited_404_405_with_the_gp(api_stack: ApiStack) -> None:
    """An unknown route and a wrong method are audited with the route, the user (when the
    route signs in) and the status; 404 of a route has no user, since no route signed in."""
    missing = api_stack.get("/api/elsewhere")
    posted = api_stack.get("/api/patients", method="POST")
    nobody = api_stack.get("/api/persons/p-nobody/record")

    assert (missing.status, posted.status, nobody.status) == (404, 405, 404)
    rows = [(r.entry.action, r.entry.user_id, r.entry.outcome, r.entry.status, r.entry.person_ids)
            for r in api_stack.audit_rows()]  # fmt: skip
    assert rows == [
        ("GET unmatched", "anonymous", "not_found", 404, ()),
        ("POST /api/patients", "anonymous", "rejected", 405, ()),
        ("GET /api/persons/{person_id}/record", GP_USER_ID, "not_found", 404, ("p-nobody",)),
    ]
    assert missing.headers["X-Request-Id"] == api_stack.audit_rows()[0].entry.request_id


def test_demographic_search_is_rate_limited_and_429_is_audited(api_stack: ApiStack) -> None:
    """Over the per-user search rate the answer is 429 with Retry-After and no data, audited
    with the user; their record reads are not limited."""
    api_stack.index("p-sec", patient("E81001", "L1", "PAT-S", nhs=NHS, family="Limitwoman"))

    with api_stack.serving(search_per_minute=2) as api:
        statuses = [api.get(f"/api/patients?nhs_number={NHS}").status for _ in range(3)]
        limited = api.get(f"/api/patients?nhs_number={NHS}")
        record = api.get(RECORD)

    assert statuses == [200, 200, 429] and record.status == 200
    assert int(limited.headers["Retry-After"]) >= 1 and "persons" not in limited.body
    assert [(r.entry.outcome, r.entry.user_id) for r in api_stack.audit_rows()[2:4]] == [
        ("rate_limited", GP_USER_ID), ("rate_limited", GP_USER_ID)]  # fmt: skip


def test_an_unknown_host_is_refused_and_audited(api_stack: ApiStack) -> None:
    """A Host outside MCR_API_ALLOWED_HOSTS (DNS rebinding) is 400, without echoing it."""
    reply = api_stack.get("/api/me", headers={**api_stack.viewer, "Host": "rebind.example"})

    assert reply.status == 400 and "rebind.example" not in str(reply.body)
    assert [(r.entry.outcome, r.entry.status) for r in api_stack.audit_rows()] == [
        ("rejected", 400)
    ]


def test_a_large_body_is_413_and_audited(api_stack: ApiStack) -> None:
    """A request body over 16 KiB is 413 naming the body, audited."""
    reply = api_stack.get("/api/me", data=b"x" * 20_000)

    assert (reply.status, reply.body["field"]) == (413, "body")
    assert [(r.entry.outcome, r.entry.status) for r in api_stack.audit_rows()] == [
        ("rejected", 413)
    ]


@pytest.mark.parametrize(
    ("path", "headers"),
    [("/api/patients?nhs_number=9990000019", None),
     ("/api/patients?family_name=Secretname%3Cscript%3E&birth_date=1970-01-01", None),
     ("/api/patients?family_name=Secretname&birth_date=19700101secret", None),
     ("/api/persons/secret%20person%20Secretname/record", None),
     ("/api/persons/p-sec/record?page=Secretname&page_size=%C2%B2", None),
     ("/api/persons/p-sec/record?type=Secretname", None),
     (RECORD, {"X-MCR-Purpose": "Secretname"}),
     (RECORD, {"X-MCR-Role": "Secretname"}),
     (RECORD, {"Authorization": "Bearer Secretname.Secretname.Secretname"}),
     ("/api/Secretname", None)],
)  # fmt: skip
def test_no_error_body_repeats_what_was_sent(
    api_stack: ApiStack, path: str, headers: dict[str, str] | None
) -> None:
    """Every error body names the rule and the input, never the value sent (query, path or
    header)."""
    reply = api_stack.get(path, headers={**api_stack.viewer, **(headers or {})})

    assert reply.status >= 400
    assert "Secretname" not in str(reply.body) and "9990000019" not in str(reply.body)
    assert "secret" not in str(reply.body).lower()


def test_no_server_banner_and_config_is_public(api_stack: ApiStack) -> None:
    """uvicorn sends no Server or Date header; /api/config tells the viewer where to sign in
    without a token and without an audit row."""
    reply = api_stack.get("/api/config", headers={})
    health = api_stack.get("/api/health", headers={})

    for answer in (reply, health):
        assert "server" not in {name.lower() for name in answer.headers}
        assert "date" not in {name.lower() for name in answer.headers}
    assert reply.body == {"issuer": api_stack.auth.issuer, "client_id": "mcr-viewer",
                          "audience": "mcr-api"}  # fmt: skip
    assert api_stack.audit_rows() == []
