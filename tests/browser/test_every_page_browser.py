"""Every page each kind of user can reach passes the page checks at 1280 px and 320 px: axe-core WCAG 2.2
A/AA, no sideways scrolling, words people use (tests/browser/page_checks.py).

Each role signs in to the demo (its projects at every stage) and follows the links of the header menu and
footer, then the links on those pages (depth 2), GET only. One page per route, per task definition (and state)
and per project status (running, completed, ...), so the crawl stays short: a project page is one template
whatever its stage, and the journeys check it at each stage they pass. Screenshots land in
test-output/screenshots/every-page/.
"""
from __future__ import annotations

import re
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from demo import seed
from tests import authenticator
from tests.browser import page_checks

ROLES = {  # role -> a demo user who holds it
    "hub team": "hana.hub",
    "sponsor": "sam.sponsor",
    "industry partner": "ivy.medtech",
    "board member": "bea.board",
    "finance approver": "fran.finance",
    "auditor": "aud.auditor",
    "admin": "ada.admin",
    "process owner": "otto.owner",
}
PAGES_PER_ROLE = 40
SHOTS = page_checks.SCREENSHOTS / "every-page"
# Not pages: signing out, the API, static files, files to download.
SKIP = re.compile(r"^/(logout|api/|static/|__page-checks/)|\.(csv|json|xml|bpmn|dmn|xes|zip|pdf)$"
                  r"|/(bpmn|dmn|download)$|^/audit/export/")


def route_of(path: str, tasks: dict[str, str], projects: dict[int, str]) -> str:
    """The kind of page an address shows: its route, with the task definition or the project's status."""
    parts = path.rstrip("/").split("/") or [""]
    if len(parts) > 2 and parts[1] == "tasks":
        parts[2] = "{task %s}" % tasks.get(parts[2], "?")
    elif len(parts) > 2 and parts[1] == "projects" and parts[2].isdigit():
        parts[2] = "{project %s}" % projects.get(int(parts[2]), "?")
    elif len(parts) > 3 and parts[1:3] == ["admin", "users"] and parts[3] != "new":
        parts[3] = "{user}"
    return "/".join("{id}" if part.isdigit() else part for part in parts) or "/"


def links_on(page, scope: str) -> list[str]:
    return page.eval_on_selector_all(f"{scope} a[href]", "links => links.map(a => a.href)")


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_passes_the_page_checks(browser, live_server, demo_site, role):
    tasks, projects = demo_site
    username = ROLES[role]
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": page_checks.HEIGHT})
    page = context.new_page()
    problems: dict[str, list[str]] = {}
    try:
        page.goto("/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(seed.DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        authenticator.finish_sign_in_in_browser(page, username)  # partners set up an app in the demo
        page.wait_for_load_state()
        start = urlsplit(page.url).path
        seen_routes: set[str] = set()
        queue = [(start, 1)] + [(link, 1) for link in links_on(page, "header") + links_on(page, "footer")]
        visited, checked = 0, []
        while queue and visited < PAGES_PER_ROLE:
            link, depth = queue.pop(0)
            url = urldefrag(link).url
            split = urlsplit(url)
            if split.netloc and split.netloc != urlsplit(live_server).netloc or SKIP.search(split.path):
                continue
            route = route_of(split.path, tasks, projects)
            if route in seen_routes:
                continue
            seen_routes.add(route)
            try:
                response = page.goto(split.path + (f"?{split.query}" if split.query else ""))
            except PlaywrightError as error:  # a file to download, not a page
                if "Download is starting" in str(error) or "ERR_ABORTED" in str(error):
                    continue
                raise
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                continue
            visited += 1
            checked.append(f"{route}  {split.path}")
            name = re.sub(r"[^a-z0-9]+", "-", f"{username} {route}".lower()).strip("-")
            found = page_checks.check_page(page, name, page_checks.demo_usernames(), screenshots=SHOTS)
            if found:
                problems[f"{route} ({split.path})"] = found
            if depth < 2:
                queue.extend((href, depth + 1) for href in links_on(page, "main"))
    finally:
        context.close()
    SHOTS.mkdir(parents=True, exist_ok=True)  # which pages were checked, for reviewers
    (SHOTS / f"{username}-pages.txt").write_text("\n".join(checked) + "\n", encoding="utf-8")
    assert visited > 3, f"the crawl as {username} found only {visited} page(s)"
    if problems:
        pytest.fail(f"{len(problems)} of {visited} page(s) {username} ({role}) reaches failed the page checks:\n"
                    + page_checks.describe(problems), pytrace=False)
