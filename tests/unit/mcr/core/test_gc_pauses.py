"""Start-up objects are frozen out of the collector, and each pause is measured."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY

from mcr.core.gc_pauses import settle_after_start


@pytest.fixture
def settled() -> Iterator[None]:
    """Settled, with automatic collections off for the test (other threads of the test run
    allocate too), so the only collections are the test's own."""
    settle_after_start()
    gc.disable()
    yield
    gc.enable()
    gc.unfreeze()


def _pauses(generation: str) -> float:
    found = REGISTRY.get_sample_value("mcr_gc_pause_seconds_count", {"generation": generation})
    return found or 0.0


def test_start_up_objects_are_frozen_and_pauses_counted(settled: None) -> None:
    assert gc.get_freeze_count() > 1000
    before = _pauses("2")
    gc.collect()
    assert _pauses("2") == before + 1


def test_settling_twice_adds_no_second_timer(settled: None) -> None:
    timers = len(gc.callbacks)
    settle_after_start()
    assert len(gc.callbacks) == timers
    before = _pauses("0")
    gc.collect(0)
    assert _pauses("0") == before + 1
