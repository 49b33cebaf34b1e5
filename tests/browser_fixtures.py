"""Browser fixtures, registered once for the whole run (tests/conftest.py `pytest_plugins`): one headless
Chromium for the session, a fresh context (cookies) per test. Any test directory may use `page` and `shoot`."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls of fixtures are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (scripts/install.sh installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="vi-VN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


class Shooter:
    """shoot(page, name): full-page screenshots at desktop width and at 360 px (then back to desktop)."""

    directory = SCREENSHOTS

    def __call__(self, page: Any, name: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for label, size in (("desktop", DESKTOP), ("360", PHONE)):
            page.set_viewport_size(size)
            page.screenshot(path=str(self.directory / f"{name}-{label}.png"), full_page=True)
        page.set_viewport_size(DESKTOP)

    def printed(self, page: Any, name: str) -> None:
        """A screenshot with the print stylesheet applied."""
        self.directory.mkdir(parents=True, exist_ok=True)
        page.emulate_media(media="print")
        page.screenshot(path=str(self.directory / f"{name}-print.png"), full_page=True)
        page.emulate_media(media="screen")


@pytest.fixture
def shoot() -> Shooter:
    return Shooter()
