"""Errors of the local stack.

McrError
└── StackError
    ├── RuntimeFetchError   a runtime (Kafka jars, OpenSearch launcher, PostgreSQL) is missing
    └── ServiceStartError   a service did not become healthy; names its log file
"""

from __future__ import annotations

from mcr.core.errors import McrError


class StackError(McrError):
    """Something about the local stack went wrong."""


class RuntimeFetchError(StackError):
    """A service runtime could not be fetched, built or found."""


class ServiceStartError(StackError):
    """A service was started but did not answer in time."""
