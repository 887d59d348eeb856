"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

from tests.sessions.conftest import chairside  # noqa: F401 -- the session fixture, shared

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    # Reduced motion turns off Bootstrap's smooth scrolling, so a click never lands while a
    # long form is still scrolling.
    return {**browser_context_args, "reduced_motion": "reduce"}


@pytest.fixture(autouse=True)
def _patient_assertions() -> None:
    # Pages under a loaded CI machine can take a few seconds; wait for them, not fail.
    expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def base_url(collected_static: None, live_server) -> str:
    return live_server.url


@pytest.fixture(autouse=True)
def _plain_static_urls(settings) -> None:
    # The live server serves /static/ from the finders, which know unhashed names only.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def pytest_collection_modifyitems(items: list) -> None:
    assert os.path.exists(CHROMIUM), "Debian's chromium is missing: run bin/ensure-test-services"


class ConsoleProblems:
    """What the browser's console reported as an error, and every uncaught exception of a
    page's script (a CSP violation, a failed fetch, a broken handler), in every window the
    test opened. A test that means to cause one names it in `expect(pattern)`."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.expected: list[re.Pattern[str]] = []

    def watch(self, target: BrowserContext | Page) -> None:
        target.on("console", self._console)
        if isinstance(target, Page):
            target.on("pageerror", lambda error: self.seen.append(f"pageerror: {error}"))
        else:
            target.on("weberror", lambda error: self.seen.append(f"pageerror: {error.error}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            self.seen.append(f"console error: {message.text} ({where})")

    def expect(self, pattern: str) -> None:
        self.expected.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [m for m in self.seen if not any(p.search(m) for p in self.expected)]


@pytest.fixture
def console_problems() -> ConsoleProblems:
    return ConsoleProblems()


@pytest.fixture(autouse=True)
def _no_console_errors(request: pytest.FixtureRequest, console_problems: ConsoleProblems):
    """Every browser test fails if a page logged a console error or threw: nothing is
    allowed by default."""
    if "page" in request.fixturenames:
        console_problems.watch(request.getfixturevalue("context"))
    yield
    problems = console_problems.unexpected()
    if problems:
        pytest.fail("The browser reported errors:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def new_tab(browser, live_server, console_problems: ConsoleProblems):
    """`new_tab(viewport=...)` opens another signed-out browser window on the live server;
    every window is closed afterwards (an open keep-alive connection holds a database
    session, which would block dropping the test database). Its console is watched too."""
    pages = []

    def _open(**kwargs: object):
        page = browser.new_page(base_url=live_server.url, reduced_motion="reduce", **kwargs)
        console_problems.watch(page)
        pages.append(page)
        return page

    yield _open
    for page in pages:
        page.close()
