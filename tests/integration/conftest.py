"""Integration fixtures shared by every folder here.

The streams worker's entry point configures the faust application before the agent modules
load (``streams.app.configure``); the agent wiring tests import those modules, so the test
session configures it the same way, from the test environment, before they are collected.
"""

from __future__ import annotations

from streams.app import configure
from streams.settings import WorkerSettings

configure(WorkerSettings.from_env())
