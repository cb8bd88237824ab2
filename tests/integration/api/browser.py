"""Headless Chromium for the browser tests (Debian's ``chromium``, driven by Playwright).

No skip: `make test` installs Chromium (deploy/local/install-system-packages.sh), so a
missing browser is a broken setup, and the assertion says how to mend it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from consumers.api.server import start_in_thread

CHROMIUM = os.environ.get("MCR_CHROMIUM") or shutil.which("chromium") or ""


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched headless browser, closed after the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def serving(app: Any, port: int) -> Iterator[str]:
    """``app`` served on loopback ``port`` (a port the realm's test client may redirect to)
    for the block; yields its base URL."""
    server = start_in_thread(app, port=port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
