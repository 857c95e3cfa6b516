"""The pipeline dashboard in a real browser: Chart.js draws every chart without errors."""
from playwright.sync_api import expect

from demo import seed
from demo.walker import Walker
from tests.browser.conftest import screenshot


def test_the_dashboard_draws_its_charts(db, clock, demo_people, page_as):
    walker = Walker(db, clock)
    for title, area, stop_at in [("AI triage of skin lesions", "Pathway Delays", "gate1_prioritisation"),
                                 ("Pathology turnaround", "Early Diagnosis & Screening", "gate5_evidence_gate")]:
        walker.walk(walker.start(), seed.happy_path(title, area), stop_at=stop_at)
    clock.advance(days=20)
    hub = page_as("hana.hub")
    errors = []
    hub.on("pageerror", lambda error: errors.append(str(error)))
    hub.goto("/dashboard")
    hub.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length === 6")
    assert hub.locator("canvas[role=img]").count() == 6
    expect(hub.get_by_role("img", name="Running projects per stage")).to_be_visible()
    expect(hub.get_by_role("table", name="Outcome measures met against their agreed thresholds")).to_be_visible()
    assert errors == []
    screenshot(hub, "dashboard")
