"""How a stream stage batches its input, read from the environment in one way for every stage:
``MCR_<STAGE>_BATCH`` (events decided together) and ``MCR_<STAGE>_BATCH_WITHIN_MS`` (how long
to wait to fill a batch)."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["batch_from_env"]


def batch_from_env(values: Mapping[str, str], stage: str) -> tuple[int, int]:
    """(batch size, wait in ms) of ``stage`` (default 500 and 50); ValueError naming both
    variables when either is not a whole number."""
    size, within = f"MCR_{stage}_BATCH", f"MCR_{stage}_BATCH_WITHIN_MS"
    try:
        return int(values.get(size, "500")), int(values.get(within, "50"))
    except ValueError as exc:
        raise ValueError(f"{size} and {within}: expected whole numbers") from exc
