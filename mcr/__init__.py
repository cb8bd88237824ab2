"""The thin ``mcr`` command and the one home for cross-cutting runtime code (logging)."""

from mcr.errors import McrError
from mcr.logging import configure_logging, get_logger

__all__ = ["McrError", "configure_logging", "get_logger"]
