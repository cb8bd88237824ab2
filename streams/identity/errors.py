"""Errors of the identity stage.

Messages name the field or the rule, never a patient's value::

    mcr.core.errors.McrError
    └── IdentityError
        ├── WeightsError          a weights file is missing, malformed or not monotone
        ├── RecordsFileError      a link-eval / training CSV row breaks the format
        ├── ReviewError           a review item does not exist or is already decided
        ├── MergeError            a merge or unmerge cannot be applied exactly
        └── UnknownPersonError    a person or source record is not in the MPI
"""

from __future__ import annotations

from mcr.core.errors import McrError

__all__ = [
    "IdentityError",
    "MergeError",
    "RecordsFileError",
    "ReviewError",
    "UnknownPersonError",
    "WeightsError",
]


class IdentityError(McrError):
    """Base class of errors raised by streams.identity."""


class WeightsError(IdentityError):
    """A weights file is missing, malformed, or its weights are not monotone."""


class RecordsFileError(IdentityError):
    """A records CSV breaks the format (``line 12, birth_date: not YYYY-MM-DD``)."""


class ReviewError(IdentityError):
    """A review item does not exist or has already been decided."""


class MergeError(IdentityError):
    """A merge or unmerge cannot be applied exactly."""


class UnknownPersonError(IdentityError):
    """A person id or source key is not in the master patient index."""
