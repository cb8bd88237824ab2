"""Configuration of the planners' report, read once from the environment.

============================  ========================================  =========================
variable                      field                                     default
============================  ========================================  =========================
MCR_POSTGRES_DSN              postgres_dsn                              loopback ``mcr`` db
MCR_PLANNING_SCHEMA           schema_name (the planning store)          planning
MCR_PLANNING_REPORT_DIR       report_dir (reports, and ``latest``)      ``.run/reports/planning``
MCR_PLANNING_WORKFORCE_FILE   workforce_file (assumptions, TOML)        the shipped one
============================  ========================================  =========================
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field

from mcr.core.settings import (
    DEFAULT_POSTGRES_DSN,
    McrSettings,
    PostgresDsn,
    SecretUrl,
    SqlIdentifier,
)

__all__ = ["ReportSettings"]


class ReportSettings(McrSettings):
    """Where the planning store is and where reports go."""

    postgres_dsn: PostgresDsn = SecretUrl(DEFAULT_POSTGRES_DSN)
    schema_name: Annotated[SqlIdentifier, Field(validation_alias="MCR_PLANNING_SCHEMA")] = (
        "planning"
    )
    report_dir: Annotated[Path, Field(validation_alias="MCR_PLANNING_REPORT_DIR")] = Path(
        ".run/reports/planning"
    )
    workforce_file: Annotated[str, Field(validation_alias="MCR_PLANNING_WORKFORCE_FILE")] = ""
