"""Browser tests: the real app served on a local port, driven by Playwright in Debian's Chromium."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from demo import seed
from tests import snapshots
from tests.conftest import ROOT, add_user

CHROMIUM = os.environ.get("SIXGATES_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-output" / "screenshots"
PASSWORD = "browser-test-pass"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/install-system-packages")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def live_server(app):
    """The app on 127.0.0.1 at a free port, for as long as the test runs."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def demo_people(db, clock, six_gates):
    """Every demo user, all with the same test password."""
    def add_people():
        for username, _name, roles, org in seed.DEMO_USERS:
            add_user(db, clock, username, *roles, org=org, password=PASSWORD)
    snapshots.once("demo_people", db, clock, add_people)
    return [u for u, *_ in seed.DEMO_USERS]


@pytest.fixture
def page_as(browser, live_server):
    """page_as('hana.hub') -> a signed-in page in its own browser context."""
    contexts = []

    def sign_in(username: str):
        context = browser.new_context(base_url=live_server)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/inbox**")
        return page

    yield sign_in
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:
    """Keep a picture of the page for reviewers under test-output/screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
