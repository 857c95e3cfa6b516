"""Browser tests: the real app served on a local port, driven by Playwright in Debian's Chromium."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from demo import seed
from engine.identity import accounts
from engine.store.models import ProcessInstance, Task
from tests import authenticator, snapshots
from tests.browser import page_checks

CHROMIUM = os.environ.get("SIXGATES_CHROMIUM", "/usr/bin/chromium")
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
    server = make_server("127.0.0.1", 0, page_checks.with_axe(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def demo_people(db, clock, six_gates):
    """Every demo user with their display name, all with the same test password."""
    def add_people():
        for username, name, roles, org in seed.DEMO_USERS:
            db.writing(lambda s, username=username, name=name, roles=roles, org=org: accounts.add_user(
                s, username=username, roles=list(roles), organisation=org, password=PASSWORD, display_name=name,
                actor="test", clock=clock))
    snapshots.once("demo_people", db, clock, add_people)
    return [u for u, *_ in seed.DEMO_USERS]


@pytest.fixture
def demo_site(db, clock, six_gates):
    """The demo: its people (password seed.DEMO_PASSWORD) and projects at every stage.
    Returns each task's definition and state, and each project's status, by id."""
    snapshots.once("demo_site", db, clock, lambda: seed.load(db, clock=clock))
    with db.reading() as s:
        tasks = {t.id: f"{t.bpmn_id} ({t.state})" for t in s.scalars(select(Task))}
        projects = {i.id: i.status for i in s.scalars(select(ProcessInstance))}
    return tasks, projects


# Each open browser context's recorder of page checks; the test fails after its body if any page had problems.
_RECORDERS: dict[object, page_checks.PageRecorder] = {}
# Usernames that must not show where a name belongs (the demo people and whoever signed in).
_USERNAMES: set[str] = set(page_checks.demo_usernames())
_CHECKED_FOR_ALL: set[str] = set()  # this test's pages that look the same to everyone, already checked


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a browser test's body: every page it loaded (and every screenshot point) must have passed the checks."""
    _CHECKED_FOR_ALL.clear()
    result = yield
    recorders = list(_RECORDERS.values())
    problems: dict[str, list[str]] = {}
    for recorder in recorders:
        recorder.check_unfinished()
        for where, lines in recorder.problems().items():
            problems.setdefault(where, []).extend(line for line in lines if line not in problems.get(where, ()))
    if problems:
        raise AssertionError(f"{len(problems)} page(s) failed the accessibility, reflow or wording checks "
                             f"(tests/browser/page_checks.py):\n" + page_checks.describe(problems))
    return result


def record_pages(context) -> page_checks.PageRecorder:
    """Check every page this context loads (at 1280 px); problems fail the test after its body."""
    recorder = page_checks.PageRecorder(_USERNAMES, context, _CHECKED_FOR_ALL)
    recorder.attach(context)
    _RECORDERS[context] = recorder
    context.on("close", lambda closed: _RECORDERS.pop(closed, None))
    return recorder


@pytest.fixture
def page_as(browser, live_server):
    """page_as('hana.hub') -> a signed-in page in its own browser context, each page it loads checked."""
    contexts = []

    def sign_in(username: str):
        _USERNAMES.add(username)
        context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": page_checks.HEIGHT})
        contexts.append(context)
        record_pages(context)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        authenticator.finish_sign_in_in_browser(page, username)
        page.wait_for_url("**/inbox**")
        return page

    yield sign_in
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:
    """Check a main page at 1280 px and 320 px and keep a picture of each under test-output/screenshots.

    Its problems fail the test after its body (with every other page's), or here if no recorder watches the page.
    """
    problems = page_checks.check_page(page, name, _USERNAMES)
    recorder = _RECORDERS.get(page.context)
    if recorder is None:
        assert not problems, f"{name} ({page.url}):\n  " + "\n  ".join(problems)
    elif problems:
        recorder.add(f"{page_checks.path_of(page.url)} (screenshot {name})", problems)
