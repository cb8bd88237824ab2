"""Configuration of authorisation, read once from the environment.

============================  ====================================================  =========
variable                      field                                                 default
============================  ====================================================  =========
MCR_API_ACCESS_POLICY         access_policy: path of the role -> categories file    packaged
MCR_API_RELATIONSHIP_DAYS     relationship_days: how recent an encounter must be    365
MCR_API_BREAK_GLASS_MINUTES   break_glass_minutes: how long a break-glass lasts     60
============================  ====================================================  =========

``access_policy`` empty means the file shipped with the package
(``consumers/api/access_policy.json``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import Field

from mcr.core.settings import McrSettings, whole_number

__all__ = ["AuthzSettings"]


class AuthzSettings(McrSettings):
    """Which access policy applies, how recent a relationship must be, how long glass stays
    broken."""

    access_policy: Annotated[str, Field(validation_alias="MCR_API_ACCESS_POLICY")] = ""
    relationship_days: Annotated[
        int, whole_number(minimum=1), Field(validation_alias="MCR_API_RELATIONSHIP_DAYS")
    ] = 365
    break_glass_minutes: Annotated[
        int,
        whole_number(minimum=1),
        Field(validation_alias="MCR_API_BREAK_GLASS_MINUTES", le=24 * 60),
    ] = 60

    @property
    def relationship_window(self) -> timedelta:
        """How far back an encounter still makes a care relationship."""
        return timedelta(days=self.relationship_days)

    @property
    def break_glass_duration(self) -> timedelta:
        """How long a break-glass opening lasts."""
        return timedelta(minutes=self.break_glass_minutes)
