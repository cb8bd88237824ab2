"""The project's root error, as every package above the wire contract imports it.

Every package defines its own errors in its ``errors.py`` as subclasses of :class:`McrError`,
so callers (the CLI, the dead-letter router, the API) can catch everything of ours in one
place. The class itself is defined in ``schemas.errors``, the bottom layer, so the wire contract
can subclass it without importing the ground layer (see docs/architecture.md)::

    McrError                                (schemas.errors, re-exported here)
    ├── schemas.errors.SchemaError
    ├── deploy.local.errors.StackError
    │   ├── RuntimeFetchError
    │   └── ServiceStartError
    ├── consumers.api.auth.errors.AuthError
    │   ├── TokenRejectedError      (one subclass per rule: alg, kid, signature, exp, iss, aud...)
    │   └── IdentityProviderError
    └── (one subtree per package)
"""

from __future__ import annotations

from schemas.errors import McrError

__all__ = ["McrError"]
