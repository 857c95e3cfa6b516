"""The inbox in a real browser: each role sees only what it may do."""
from playwright.sync_api import expect

from demo.walker import Walker
from tests.browser.conftest import screenshot
from tests.diagram.test_six_gates import plan


def test_each_role_sees_only_its_own_tasks_in_the_inbox(db, clock, demo_people, page_as):
    walker = Walker(db, clock)
    at_gate1 = walker.start()
    walker.walk(at_gate1, plan(propose_challenge={"title": "AI triage of skin lesions"}),
                stop_at="gate1_prioritisation")
    hub = page_as("hana.hub")
    rows = hub.get_by_role("row")
    assert "Gate 1 – Prioritisation" in rows.all_inner_texts()[1]
    screenshot(hub, "inbox-hub-team")
    chair = page_as("cara.chair")
    expect(chair.get_by_text("You have no tasks to do right now.")).to_be_visible()
    sponsor = page_as("sam.sponsor")
    expect(sponsor.get_by_text("You have no tasks to do right now.")).to_be_visible()
