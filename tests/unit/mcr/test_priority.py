"""Background workers lower their own CPU priority, never raise it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from mcr.core.priority import PrioritySettings, yield_to_interactive
from mcr.core.settings import SettingsError


def test_default_niceness_is_ten() -> None:
    assert PrioritySettings.from_env({}).background_niceness == 10


@pytest.mark.parametrize("bad", ["-1", "20", "ten", "1.5"])
def test_niceness_outside_the_range_is_refused_without_echo(bad: str) -> None:
    with pytest.raises(SettingsError) as caught:
        PrioritySettings.from_env({"MCR_BACKGROUND_NICENESS": bad})
    assert "MCR_BACKGROUND_NICENESS" in str(caught.value)
    assert bad not in str(caught.value).replace("MCR_BACKGROUND_NICENESS", "")


def _niceness_after(env_value: str | None, start: int) -> int:
    """Run yield_to_interactive in a child started at niceness ``start``; its niceness."""
    code = (
        "import os, sys; from mcr.core.priority import yield_to_interactive; "
        f"os.nice({start}); print(yield_to_interactive(), os.nice(0))"
    )
    env = {k: v for k, v in os.environ.items() if k != "MCR_BACKGROUND_NICENESS"}
    if env_value is not None:
        env["MCR_BACKGROUND_NICENESS"] = env_value
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()  # fmt: skip
    assert out[0] == out[1]
    return int(out[1]) - os.nice(0)


def _expected(wanted: int, start: int) -> int:
    """The niceness gained over this process's (pytest may itself run niced)."""
    here = os.nice(0)
    return max(wanted, here + start) - here


def test_worker_lowers_its_priority_to_the_setting() -> None:
    assert _niceness_after("17", 0) == _expected(17, 0) > 0
    assert _niceness_after(None, 0) == _expected(10, 0)


def test_never_raises_priority() -> None:
    assert _niceness_after("3", 5) == _expected(3, 5) >= 5
    assert _niceness_after("0", 0) == 0


def test_returns_current_niceness_in_process() -> None:
    assert yield_to_interactive({"MCR_BACKGROUND_NICENESS": "0"}) == os.nice(0)
