"""Errors raised by the synthetic region simulator.

::

    mcr.core.errors.McrError
    └── SimulatorError
        ├── SimulationRequestError    a request the simulator cannot honour (people < 0, rate <= 0)
        └── PublisherUnavailableError the producer SDK (producers.sdk) cannot be imported
"""

from __future__ import annotations

from mcr.core.errors import McrError


class SimulatorError(McrError):
    """Base class of the simulator's errors."""


class SimulationRequestError(SimulatorError):
    """An argument names a region or rate that cannot be generated (message names the field)."""


class PublisherUnavailableError(SimulatorError):
    """``producers.sdk`` is missing, so events cannot be published (use ``--dry-run``)."""
