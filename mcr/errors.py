"""The project's root error.

Every package defines its own errors in its ``errors.py`` as subclasses of :class:`McrError`,
so callers (the CLI, the DLQ router, the API) can catch everything of ours in one place::

    McrError
    ├── deploy.local.errors.StackError
    │   ├── RuntimeFetchError
    │   └── ServiceStartError
    ├── consumers.api.auth.errors.AuthError
    │   ├── TokenRejectedError      (one subclass per rule: alg, kid, signature, exp, iss, aud...)
    │   └── IdentityProviderError
    └── (one subtree per package)
"""

from __future__ import annotations


class McrError(Exception):
    """Base class of every error raised on purpose by My Care Record code."""
