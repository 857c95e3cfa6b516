"""Keeping the work moving in a real browser: the Hub team reassigns a board member's scoring with a reason, the new
holder sees the badge and the notification and opens the task from it; a sponsor follows their projects on My
projects; the Hub team puts a project on hold and resumes it. Each page is kept at 1280 and 320 pixels wide."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from demo.walker import Walker
from engine.identity import accounts
from engine.store.models import Task
from tests.browser.conftest import PASSWORD, screenshot
from tests.diagram.test_six_gates import plan

WIDE, NARROW = {"width": 1280, "height": 900}, {"width": 320, "height": 800}


def at_both_widths(page, name: str) -> None:
    """Screenshots at desktop and phone width (screenshot() checks and keeps both); nothing may overflow the
    narrow one sideways."""
    screenshot(page, name)
    page.set_viewport_size(NARROW)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name} scrolls sideways at 320 px by {overflow} px"
    page.set_viewport_size(WIDE)


def scoring_of(db, project: int, username: str) -> Task:
    with db.reading() as s:
        return s.scalars(select(Task).where(Task.instance_id == project, Task.bpmn_id == "score_eois",
                                            Task.assignee == username, Task.state == "ready")).one()


def test_the_hub_reassigns_scoring_and_the_new_holder_is_told_and_opens_it(db, clock, demo_people, page_as):
    db.writing(lambda s: accounts.add_user(s, username="nia.board", display_name="Nia Roberts (Project Board)",
                                           roles=["board_member"], password=PASSWORD, actor="test", clock=clock))
    walker = Walker(db, clock)
    project = walker.start()
    walker.walk(project, plan(), stop_at="submit_eoi")
    walker.walk(project, plan(), stop_at="score_eois")
    task = scoring_of(db, project, "bea.board")

    hub = page_as("hana.hub")
    hub.goto(f"/tasks/{task.id}")
    hub.get_by_role("link", name=re.compile("Reassign this task")).click()
    hub.get_by_label("Give it to").select_option("nia.board")
    hub.get_by_label("Reason").fill("Bea is on leave until April")
    screenshot(hub, "reassign-task")
    hub.get_by_role("button", name="Reassign").click()
    expect(hub.get_by_text("They have been told, with your reason.")).to_be_visible()
    moved = hub.locator(".nhsuk-inset-text").first.inner_text()
    assert "Reassigned from Bea Williams to Nia Roberts (Project Board)" in moved

    nia = page_as("nia.board")
    unread = int(nia.locator(".notifications-link .app-badge").inner_text())
    assert unread >= 1
    nia.get_by_role("link", name=f"Notifications ({unread} unread)", exact=True).click()
    nia.wait_for_url("**/notifications")
    first = nia.locator(".app-notification").first
    assert "Given to you" in first.inner_text() and "Bea is on leave until April" in first.inner_text()
    expect(first.get_by_text("Unread")).to_be_visible()
    at_both_widths(nia, "notifications")
    first.get_by_role("button", name=re.compile("^Open the task")).click()
    nia.wait_for_url(f"**/tasks/{task.id}")
    assert "Reassigned from Bea Williams to you" in nia.locator(".nhsuk-inset-text").first.inner_text()
    left = unread - 1
    header = nia.get_by_role("link", name=f"Notifications ({left} unread)" if left else "Notifications")
    expect(header).to_be_visible()

    nia.get_by_role("link", name="Your settings").click()
    nia.get_by_role("textbox", name="E-mail address").fill("nia@example.nhs.uk")
    nia.get_by_role("button", name="Save e-mail address").click()
    expect(nia.get_by_text("Saved your e-mail address.")).to_be_visible()
    at_both_widths(nia, "settings")


def test_a_sponsor_follows_my_projects_and_the_hub_holds_and_resumes_one(db, clock, demo_people, page_as):
    walker = Walker(db, clock)
    project = walker.start()
    walker.walk(project, plan(propose_challenge={"title": "AI triage of skin lesions"}),
                stop_at="gate1_prioritisation")
    proposed = walker.start()
    walker.walk(proposed, plan(propose_challenge={"title": "Faster bowel screening results"}),
                stop_at="propose_challenge")

    sponsor = page_as("sam.sponsor")
    sponsor.get_by_role("link", name="My projects").click()
    card = sponsor.locator(".app-project-card", has_text="AI triage of skin lesions")
    expect(card.get_by_role("link", name="AI triage of skin lesions", exact=True)).to_be_visible()
    assert "Gate 1 – Prioritisation" in card.inner_text()
    at_both_widths(sponsor, "my-projects")

    hub = page_as("hana.hub")
    hub.goto(f"/projects/{project}")
    hub.get_by_role("button", name="Put on hold").click()  # the project page's link, drawn as a button
    hub.get_by_role("button", name="Put on hold").click()  # no reason: refused, shown
    expect(hub.get_by_text("Give a reason: it goes on the project's record.")).to_be_visible()
    screenshot(hub, "hold-project-without-a-reason")
    hub.get_by_label("Reason").fill("Waiting for the alliance's funding decision")
    hub.get_by_role("button", name="Put on hold").click()
    banner = hub.get_by_role("status").filter(has_text="On hold since")
    assert "On hold since" in banner.inner_text()
    assert "Reason: Waiting for the alliance's funding decision" in banner.inner_text()
    screenshot(hub, "project-on-hold")

    sponsor.goto("/my-projects")
    held = sponsor.locator(".app-project-card", has_text="AI triage of skin lesions")
    expect(held.get_by_text("On hold")).to_be_visible()

    hub.get_by_role("button", name="Resume").click()
    hub.get_by_role("button", name="Resume the project").click()
    expect(hub.get_by_text("The project has resumed")).to_be_visible()
    assert hub.get_by_role("status").filter(has_text="since").count() == 0  # no banner: only the news it resumed
