"""Real-browser fixtures: Debian's Chromium driven by Playwright, at phone or desktop size.

Playwright's own browser download fails on these machines, so the tests use /usr/bin/chromium
(`apt-get install chromium`; `.ci/run` installs it). Without it the tests skip locally and fail
in CI (CONTINUITY_CI set).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# As root, on a closed network: no sandbox, and none of Chromium's calls home (they are refused
# here, many at a time). Playwright gives each launch a fresh, empty profile directory itself
# (it refuses --user-data-dir in launch arguments).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# An iPhone 14-sized screen.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}

# A laptop screen: the therapist's dashboard is mostly used at a desk.
DESKTOP = {"viewport": {"width": 1280, "height": 900}}

SIZES = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for this module's tests; skips without it, or fails in CI.

    While Playwright's sync API is started its event loop counts as running in this thread, so
    Django refuses ORM calls (SynchronousOnlyOperation) from the tests and from the database
    flush after each one. DJANGO_ALLOW_ASYNC_UNSAFE, Django's documented escape hatch for this,
    is set exactly as long as Playwright runs; module scope, not session, keeps it (and the
    running loop) away from the rest of the suite.
    """
    if not CHROMIUM.exists():
        reason = f"Chromium not installed: {CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CONTINUITY_CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@contextmanager
def new_page(browser: Browser, **options) -> Iterator[Page]:
    """A fresh page in its own context (no cookies) with `options`; fails fast rather than
    hanging."""
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh phone-sized page with no cookies; fails fast rather than hanging."""
    with new_page(browser, **PHONE) as page:
        yield page


@pytest.fixture
def desktop_page(browser: Browser) -> Iterator[Page]:
    """A fresh desktop-sized (1280×900) page with no cookies."""
    with new_page(browser, **DESKTOP) as page:
        yield page


@pytest.fixture
def screenshot(page: Page):
    """Saves a full-page PNG of the current page to docs/screenshots/<name>.png."""

    def take(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
