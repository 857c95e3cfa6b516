"""The modeller opens each of the 21 MIWG reference diagrams and saves it back with nothing lost:
every element id (semantic and diagram interchange), every shape's bounds and every edge's
waypoints. One signed-in modeller page is reused for all files, importing each into its bpmn-js."""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest
from lxml import etree
from sqlalchemy import select
from werkzeug.serving import make_server

from engine.clock import FixedClock
from engine.repository import drafts
from engine.store import schema
from engine.store.db import Database
from engine.store.models import User
from tests.browser.conftest import PASSWORD
from tests.conftest import FIXTURES, MIWG, add_user, settings_for

CORPUS = MIWG
FILES = sorted(CORPUS.glob("*.bpmn")) if CORPUS.is_dir() else []
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
ROUND_TRIP = """async (xml) => {
  const modeler = window.SixGates.bpmn;
  const imported = await modeler.importXML(xml);
  const saved = await modeler.saveXML({ format: true });
  return { xml: saved.xml, warnings: imported.warnings.map((w) => w.message) };
}"""

pytestmark = pytest.mark.skipif(not FILES, reason=f"the MIWG corpus is not at {CORPUS}")


@pytest.fixture(scope="module")
def modeller_page(browser, tmp_path_factory):
    """One modeller page, signed in as a process owner, on its own app and database for this module."""
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('corpus') / 'corpus.db'}")
    schema.upgrade(db)
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
    add_user(db, clock, "otto.owner", "process_owner", password=PASSWORD)
    draft_id = db.writing(lambda s: drafts.draft_from_upload(
        s, user=s.scalars(select(User)).one(), bpmn=(FIXTURES / "minimal.bpmn").read_bytes(), clock=clock).id)
    from web import create_app
    app = create_app(settings_for(db), clock=clock, testing=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    context = browser.new_context(base_url=f"http://127.0.0.1:{server.server_port}")
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Username").fill("otto.owner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/inbox**")
    page.goto(f"/modeller/drafts/{draft_id}")
    page.wait_for_selector("#modeller-canvas[data-ready=true]")
    yield page
    context.close()
    server.shutdown()
    thread.join()
    db.dispose()


def ids(tree: etree._Element) -> set[str]:
    return {e.get("id") for e in tree.iter() if isinstance(e.tag, str) and e.get("id")}


def _owner(element: etree._Element) -> str:
    """Where a Bounds or waypoint sits: its nearest DI ancestor's id (or bpmnElement), and the path below it."""
    path, node = [], element.getparent()
    while node is not None and not (node.get("id") or node.get("bpmnElement")):
        path.append(etree.QName(node).localname)
        node = node.getparent()
    key = node.get("id") or node.get("bpmnElement") if node is not None else "?"
    return "/".join([key] + path[::-1])


def bounds(tree: etree._Element) -> dict[str, tuple[float, ...]]:
    return {_owner(b): tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))
            for b in tree.iter(f"{{{DC}}}Bounds")}


def waypoints(tree: etree._Element) -> dict[str, list[tuple[float, float]]]:
    points: dict[str, list[tuple[float, float]]] = {}
    for point in tree.iter(f"{{{DI}}}waypoint"):
        points.setdefault(_owner(point), []).append((float(point.get("x")), float(point.get("y"))))
    return points


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_the_modeller_saves_each_reference_diagram_back_without_losing_anything(modeller_page, path):
    original = etree.fromstring(path.read_bytes())
    result = modeller_page.evaluate(ROUND_TRIP, path.read_text(encoding="utf-8"))
    saved = etree.fromstring(result["xml"].encode())
    assert ids(original) - ids(saved) == set(), f"ids lost (import warnings: {result['warnings']})"
    before, after = bounds(original), bounds(saved)
    assert {k: v for k, v in before.items() if after.get(k) != v} == {}, "bounds changed or lost"
    assert {k: v for k, v in waypoints(original).items() if waypoints(saved).get(k) != v} == {}, "waypoints changed"
