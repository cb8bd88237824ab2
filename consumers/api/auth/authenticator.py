"""One call from a bearer token to a typed user: the place the API depends on (thin I/O)."""

from __future__ import annotations

import time
from collections.abc import Callable

from consumers.api.auth.oidc import IssuerKeys
from consumers.api.auth.principal import Principal
from consumers.api.auth.settings import AuthSettings
from consumers.api.auth.tokens import KeyLookup, validate

__all__ = ["Authenticator"]


class Authenticator:
    """Validates bearer tokens of one issuer with its cached keys; safe to share between threads."""

    def __init__(
        self,
        settings: AuthSettings,
        *,
        keys: KeyLookup | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.keys = keys if keys is not None else IssuerKeys(settings)
        self._policy = settings.policy
        self._now = wall_clock

    def authenticate(self, token: str) -> Principal:
        """The user ``token`` stands for.

        Raises TokenRejectedError (401) naming the broken rule, or IdentityProviderError (503)
        when the issuer's keys cannot be had.
        """
        return validate(token, policy=self._policy, key_for=self.keys, now=self._now())
