"""Server time of the project, history and version-diff pages on the demo data.

Seeds the demo (demo.seed) into a temporary SQLite database, signs in with the Flask test client
and requests each page N times; prints the median and the worst time per page.

Run: .venv/bin/python bench/pages.py [--requests 20] [--user hana.hub] [--profile PATH] [--browser]
Prints figures; asserts nothing. --profile runs the pages once under cProfile and prints the top calls.
--browser also opens each page in headless Chromium (Debian's, as the browser tests do) and prints when its
first view was painted and when its diagram (fetched after the page) was drawn.
"""
from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demo import seed  # noqa: E402
from engine.clock import Clock  # noqa: E402
from engine.repository import deployments  # noqa: E402
from engine.settings import Settings  # noqa: E402
from engine.store import schema  # noqa: E402
from engine.store.models import AuditEvent, ProcessVersion  # noqa: E402
from web import create_app  # noqa: E402


def seeded_app(folder: Path):
    """The app on a new SQLite database holding the demo, with a second version deployed for the diff page."""
    settings = Settings.from_environment({"DATABASE_URL": f"sqlite:///{folder / 'pages-bench.db'}",
                                          "SECRET_KEY": "bench-only"})
    app = create_app(settings, testing=True)
    db = app.extensions["sixgates_db"]
    schema.upgrade(db)
    bpmn, dmn, forms = deployments.read_directory(ROOT / "processes", ROOT / "forms")
    db.writing(lambda s: deployments.deploy_process(s, bpmn=bpmn, dmn=dmn, forms=forms, actor="bench", clock=Clock()))
    seed.load(db, clock=Clock())
    moved = bpmn.replace(b'name="Gate 1', b'name="Gate one', 1)  # a second version: one renamed element
    db.writing(lambda s: deployments.deploy_process(s, bpmn=moved, dmn=dmn, forms=forms, actor="bench",
                                                    clock=Clock()))
    return app, db


def pages(db) -> dict[str, str]:
    """The pages timed: the project with the longest record, its history, and the diff of the two versions."""
    with db.reading() as session:
        counts = session.execute(select(AuditEvent.instance_id, func.count()).where(AuditEvent.instance_id.is_not(None))
                                 .group_by(AuditEvent.instance_id)).all()
        project_id = max(counts, key=lambda row: row[1])[0]
        versions = session.scalars(select(ProcessVersion.id).order_by(ProcessVersion.id)).all()
    return {"project": f"/projects/{project_id}", "history": f"/projects/{project_id}/history",
            "diff": f"/processes/diff?old={versions[0]}&new={versions[-1]}"}


def signed_in(app, username: str):
    client = app.test_client()
    form = client.get("/login").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="csrf_token"[^>]*>', form).group(0)
    token = re.search(r'value="([^"]+)"', field).group(1)
    answer = client.post("/login", data={"username": username, "password": seed.DEMO_PASSWORD, "csrf_token": token})
    assert answer.status_code == 302, f"{username} could not sign in"
    return client


def time_page(client, path: str, count: int) -> tuple[float, int, list[float]]:
    """The first (cold) request's time and size, then the time of each of `count` more."""
    started = time.perf_counter()
    first = client.get(path)  # warms the caches every reader shares: shown apart, not in the median
    cold = time.perf_counter() - started
    seconds = []
    for _ in range(count):
        started = time.perf_counter()
        answer = client.get(path)
        seconds.append(time.perf_counter() - started)
        assert answer.status_code == 200, f"{path}: {answer.status_code}"
    return cold, len(first.data), seconds


BROWSER_TIMES = """() => {
  const navigation = performance.getEntriesByType('navigation')[0];
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  return {paint: paint ? paint.startTime : null, loaded: navigation.loadEventEnd};
}"""


def time_in_browser(app, paths: dict[str, str], user: str, count: int) -> None:
    """Each page opened `count` times in Chromium: first contentful paint, the load event, the diagram drawn."""
    import threading

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per figure, not per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    print(f"in Chromium, {count} loads per page (median): first paint, load event, diagram drawn")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        for name, path in paths.items():
            page = browser.new_context(base_url=base).new_page()
            page.goto("/login")
            page.get_by_label("Username").fill("otto.owner" if name == "diff" else user)
            page.get_by_label("Password").fill(seed.DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/inbox**")
            paints, loads, drawn = [], [], []
            for _ in range(count):
                page.goto(path)
                started = time.perf_counter()
                page.locator("[data-diagram-ready], .djs-container").first.wait_for(timeout=30000)
                times = page.evaluate(BROWSER_TIMES)
                paints.append(times["paint"] or 0)
                loads.append(times["loaded"])
                drawn.append(times["loaded"] + (time.perf_counter() - started) * 1000)
            print(f"{name:<8} paint {statistics.median(paints):>5.0f}ms  load {statistics.median(loads):>5.0f}ms  "
                  f"diagram by {statistics.median(drawn):>5.0f}ms")
            page.context.close()
        browser.close()
    server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--user", default="hana.hub")
    parser.add_argument("--profile", metavar="PATH", help="a page's path (or project|history|diff) to profile")
    parser.add_argument("--browser", action="store_true", help="also time the pages in headless Chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        app, db = seeded_app(Path(folder))
        print(f"demo seeded in {time.perf_counter() - started:.1f} s")
        client = signed_in(app, args.user)
        owner = signed_in(app, "otto.owner")  # versions and their diffs are the process owner's
        paths = pages(db)
        if args.profile:
            path = paths.get(args.profile, args.profile)
            reader = owner if path.startswith("/processes") else client
            reader.get(path)
            profile = cProfile.Profile()
            profile.runcall(reader.get, path)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
            return
        print(f"{args.requests} requests per page as {args.user} (the diff as otto.owner)")
        print(f"{'page':<8} {'path':<30} {'first':>7} {'median':>7} {'worst':>7} {'size':>8}")
        for name, path in paths.items():
            cold, size, seconds = time_page(owner if name == "diff" else client, path, args.requests)
            print(f"{name:<8} {path:<30} {cold * 1000:>5.0f}ms {statistics.median(seconds) * 1000:>5.0f}ms "
                  f"{max(seconds) * 1000:>5.0f}ms {size / 1024:>6.0f}kB")
        if args.browser:
            time_in_browser(app, paths, args.user, min(args.requests, 10))


if __name__ == "__main__":
    main()
