"""The issuer's discovery document and signing keys, fetched once and cached (thin I/O).

Discovery is read once per process and must name the configured issuer. The JWKS is read on
first use, again when older than ``jwks_max_age_s``, and again when a token names a ``kid`` the
cache does not hold (the issuer rotated its keys). Refreshes happen under a lock, and at most
one per ``jwks_min_refresh_s``: a flood of tokens with made-up ``kid`` values costs one fetch
per interval, not one per token. If a refresh fails while keys are cached, the cached keys stay
in use until the next permitted attempt.
"""

from __future__ import annotations

import json
import math
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from consumers.api.auth.errors import IdentityProviderError, UnknownKeyError
from consumers.api.auth.settings import AuthSettings
from mcr.core.logging import get_logger

__all__ = ["FetchJson", "IssuerKeys", "http_fetch_json"]

log = get_logger(__name__)

FetchJson = Callable[[str], Any]
"""GETs a URL and returns its parsed JSON body; raises IdentityProviderError."""

_MAX_BODY = 1_000_000  # bytes: discovery and JWKS are a few kB
_SIGNING_KEY_TYPES = {"RSA", "EC"}


def http_fetch_json(settings: AuthSettings) -> FetchJson:
    """A fetcher using the configured CA bundle and timeout."""
    context = ssl.create_default_context(cafile=settings.ca_file or None)

    def fetch(url: str) -> Any:
        if urlsplit(url).scheme not in {"https", "http"}:
            raise IdentityProviderError("issuer URL: expected http(s)")
        request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
        try:
            with urllib.request.urlopen(  # noqa: S310 - scheme checked above
                request, timeout=settings.http_timeout_s, context=context
            ) as response:
                body = response.read(_MAX_BODY + 1)
        except (OSError, urllib.error.URLError) as exc:
            raise IdentityProviderError(f"issuer unreachable ({type(exc).__name__})") from exc
        if len(body) > _MAX_BODY:
            raise IdentityProviderError("issuer answer too large")
        try:
            return json.loads(body)
        except ValueError as exc:
            raise IdentityProviderError("issuer answer is not JSON") from exc

    return fetch


class IssuerKeys:
    """The signing keys of one issuer, by ``kid``; callable as the ``key_for`` of validation."""

    def __init__(
        self,
        settings: AuthSettings,
        *,
        fetch_json: FetchJson | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._fetch = fetch_json or http_fetch_json(settings)
        self._clock = clock
        self._lock = threading.Lock()
        self._jwks_uri: str | None = None
        self._keys: dict[str, Mapping[str, Any]] = {}
        self._fetched_at = -math.inf
        self._attempted_at = -math.inf
        self.refreshes = 0
        """How many times the JWKS was fetched (for status and tests)."""

    def __call__(self, kid: str) -> Mapping[str, Any]:
        """The public JWK for ``kid``.

        Raises UnknownKeyError when the issuer does not publish it (after at most one permitted
        refresh), IdentityProviderError when no keys could be fetched at all.
        """
        if self._clock() - self._fetched_at > self._settings.jwks_max_age_s:
            self._refresh(reason="age")
        key = self._keys.get(kid)
        if key is None:
            key = self._refresh(reason="unknown kid").get(kid)
        if key is None and not self._keys:
            raise IdentityProviderError("no signing keys fetched from the issuer yet")
        if key is None:
            raise UnknownKeyError("issuer publishes no key with this kid")
        return key

    def prefetch(self) -> None:
        """Fetch the keys now (at start), so the first signed-in request does not wait for
        the issuer; an issuer that does not answer yet is tried again on first use."""
        try:
            self._refresh(reason="start")
        except IdentityProviderError:
            log.warning("jwks not fetched at start; fetched on first use")

    def _refresh(self, *, reason: str) -> dict[str, Mapping[str, Any]]:
        """Refetch the JWKS unless another refresh happened within the minimum interval."""
        with self._lock:
            now = self._clock()
            if now - self._attempted_at < self._settings.jwks_min_refresh_s:
                return self._keys
            self._attempted_at = now
            try:
                keys = signing_keys(self._fetch(self._discovered_jwks_uri()))
            except IdentityProviderError:
                if not self._keys:
                    raise
                log.warning("jwks refresh failed; cached keys kept", detail=reason)
                return self._keys
            self._keys, self._fetched_at = keys, now
            self.refreshes += 1
            log.info("jwks fetched", detail=reason, count=len(keys))
            return keys

    def _discovered_jwks_uri(self) -> str:
        if self._jwks_uri is None:
            self._jwks_uri = jwks_uri(self._fetch(self._settings.discovery_url), self._settings)
        return self._jwks_uri


def jwks_uri(discovery: object, settings: AuthSettings) -> str:
    """The ``jwks_uri`` of a discovery document that names the configured issuer."""
    if not isinstance(discovery, dict) or discovery.get("issuer") != settings.issuer:
        raise IdentityProviderError("discovery document names another issuer")
    uri = discovery.get("jwks_uri")
    if not isinstance(uri, str) or urlsplit(uri).scheme != urlsplit(settings.issuer).scheme:
        raise IdentityProviderError("discovery jwks_uri: expected a URL on the issuer's scheme")
    return uri


def signing_keys(jwks: object) -> dict[str, Mapping[str, Any]]:
    """The public signature keys of a JWKS document, by ``kid`` (encryption keys skipped)."""
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise IdentityProviderError("JWKS: expected an object with a keys array")
    return {
        key["kid"]: key
        for key in jwks["keys"]
        if isinstance(key, dict)
        and isinstance(key.get("kid"), str)
        and key.get("kty") in _SIGNING_KEY_TYPES
        and key.get("use", "sig") == "sig"
        and "d" not in key
    }
