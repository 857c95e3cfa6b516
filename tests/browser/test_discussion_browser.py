"""A project's discussion in a real browser: past Gate 2 the Hub team posts an internal note and a comment for everyone
that mentions the selected partner's user; the partner is told, opens the project from the notification, reads the
comment for everyone and never the internal note (on the project page or beside their task's form), and replies; a
correction supersedes a comment and both stay on the page. Each page is checked and kept at 1280 and 320 px wide."""
from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from demo import seed
from demo.walker import Walker
from engine.store.models import ProcessInstance
from tests.browser.conftest import screenshot
from tests.diagram.test_six_gates import plan

NOTICE = ".nhsuk-notification-banner__heading"
INTERNAL_NOTE = "Between us: the Alliance may cut the pilot budget by a fifth in April."
PARTNER_OF = {org: username for username, _, roles, org in seed.DEMO_USERS if "industry_partner" in roles}
NAME_OF = {username: name for username, name, *_ in seed.DEMO_USERS}


def past_gate2(db, clock) -> tuple[int, str, str]:
    """A project whose partner was selected at Gate 2: its id, the selected partner's user and the other's."""
    walker = Walker(db, clock)
    project = walker.start()
    walker.walk(project, plan(), stop_at="draft_specification")
    with db.reading() as s:
        (selected,) = json.loads(s.get(ProcessInstance, project).data_json)["selected_partners"]
    (other,) = [user for org, user in PARTNER_OF.items() if org != selected]
    return project, PARTNER_OF[selected], other


def post_comment(page: Page, body: str, audience: str | None = None) -> None:
    """Type a comment in the thread's form, choose who may read it (when there is a choice) and post it."""
    thread = page.get_by_role("region", name="Discussion")
    thread.get_by_label("Add a comment").fill(body)
    if audience:
        thread.get_by_role("group", name="Who can read it").get_by_role("radio", name=audience, exact=True).check()
    thread.get_by_role("button", name="Post comment").click()
    expect(page.locator(NOTICE)).to_have_text("Comment posted.")


def comment(page: Page, text: str):
    """The comment (a list item of the thread) that says `text`."""
    return page.get_by_role("region", name="Discussion").get_by_role("listitem").filter(has_text=text)


def test_the_hub_mentions_the_selected_partner_who_replies_and_never_sees_the_internal_note(
        db, clock, demo_people, page_as):
    project, partner, other = past_gate2(db, clock)
    question = f"@{partner} could you send the DPIA draft by Friday? The template: https://example.org/dpia-template."
    hub = page_as("hana.hub")
    hub_posts(hub, project, question)
    them = page_as(partner)
    partner_is_told_and_reads(them, project, question)
    reply = "@hana.hub Yes: the DPIA draft goes to the Hub on Thursday."
    partner_replies_and_corrects(them, reply, NAME_OF[partner])

    hub.goto("/notifications")  # a partner may mention the Hub's people whose comments they read
    expect(hub.locator(".app-notification").filter(has_text=f"{NAME_OF[partner]} mentioned you").first).to_be_visible()
    hub.goto(f"/projects/{project}")
    for said in (INTERNAL_NOTE, question, reply, "on Wednesday"):
        expect(comment(hub, said).first).to_be_visible()  # the Hub sees everything, the corrected comment too
    screenshot(hub, "discussion-04-hub-sees-the-thread")

    outsider = page_as(other)  # invited but not selected: "everyone on the project" is not them
    assert outsider.goto(f"/projects/{project}").status == 200  # they may see the project, and its thread
    expect(outsider.get_by_role("region", name="Discussion")).to_contain_text("No comments yet.")
    for said in (INTERNAL_NOTE, "DPIA draft"):
        assert said not in outsider.content()


def hub_posts(hub: Page, project: int, question: str) -> None:
    """The Hub team's internal note, then a question for everyone on the project with a web address in it."""
    hub.goto(f"/projects/{project}")
    post_comment(hub, INTERNAL_NOTE, "Internal: NHS and Hub only")
    post_comment(hub, question, "Everyone on the project")
    expect(comment(hub, INTERNAL_NOTE).get_by_text("Internal", exact=True)).to_be_visible()
    link = comment(hub, question).get_by_role("link", name="https://example.org/dpia-template")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")  # the address a link; the full stop not
    screenshot(hub, "discussion-01-hub-posts")


def partner_is_told_and_reads(them: Page, project: int, question: str) -> None:
    """The mention in their notifications; the question on the project page and beside their task's form; the
    internal note nowhere in what the server sent them (not hidden: never sent)."""
    them.get_by_role("link", name=re.compile(r"^Notifications \(\d+ unread\)$")).click()
    told = them.locator(".app-notification").filter(has_text="mentioned you")
    expect(told).to_contain_text("Hana Okafor mentioned you in the discussion of the project")
    expect(told.get_by_text("Unread")).to_be_visible()
    assert INTERNAL_NOTE not in them.content() and "DPIA draft" not in them.content()  # who and where, not what
    screenshot(them, "discussion-02-partner-notified")
    told.get_by_role("button", name=re.compile("^Open the project")).click()
    expect(them).to_have_url(re.compile(rf"/projects/{project}(#comment-\d+)?$"))
    expect(comment(them, question)).to_be_visible()
    assert INTERNAL_NOTE not in them.content()
    them.goto("/inbox")
    them.get_by_role("table").get_by_role("link", name="Draft project specification", exact=True).click()
    expect(comment(them, question)).to_contain_text("Hana Okafor")
    assert INTERNAL_NOTE not in them.content()


def partner_replies_and_corrects(them: Page, reply: str, name: str) -> None:
    """A reply for everyone beside their task's form, then a correction of it: both stay, linked to each other."""
    post_comment(them, reply, "Everyone on the project")
    mine = comment(them, reply)
    expect(mine).to_contain_text(name)
    mine.get_by_text("Correct this comment").click()
    mine.get_by_label("Your correction").fill("@hana.hub Correction: the DPIA draft goes to the Hub on Wednesday.")
    mine.get_by_role("button", name="Post correction").click()
    expect(them.locator(NOTICE)).to_have_text("Comment posted.")
    corrected = comment(them, reply).filter(has_text="Corrected below")
    expect(corrected.get_by_role("link", name="Read the correction")).to_be_visible()
    correction = comment(them, "Correction: the DPIA draft goes to the Hub on Wednesday.")
    expect(correction.get_by_role("link", name="an earlier comment")).to_be_visible()
    assert INTERNAL_NOTE not in them.content()
    screenshot(them, "discussion-03-partner-replies-and-corrects")
