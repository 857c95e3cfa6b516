"""More of keeping the work moving in a real browser: a board member names an out-of-office delegate on Your settings
and the scoring the Hub then asks of her reaches the delegate's inbox and notifications; a sponsor withdraws a
challenge before Gate 1 from My projects, with a reason, and sees it marked withdrawn; the chair extends scoring at
Gate 2 for the member who did not score. The settings and withdrawal pages are kept at 1280 and 320 pixels wide."""
import re

from playwright.sync_api import expect

from demo import seed
from demo.walker import Walker
from engine.identity import accounts
from engine.runtime.timers import fire_due
from tests.browser.conftest import PASSWORD, screenshot
from tests.browser.test_journey_browser import Pick, Tick, do, fill, inbox_titles, open_task, submit
from tests.browser.test_keep_moving_browser import at_both_widths
from tests.diagram.test_six_gates import plan

BOARD = ("Bea Williams", "Ben Ahmed", "Bill Novak")  # the board members, by name


def add_nia(db, clock) -> None:
    """A fourth board member, not named on the call, to stand in for Bea."""
    db.writing(lambda s: accounts.add_user(s, username="nia.board", display_name="Nia Roberts (Project Board)",
                                           roles=["board_member"], password=PASSWORD, actor="test", clock=clock))


def test_a_board_member_away_names_a_delegate_who_is_given_her_scoring(db, clock, demo_people, page_as):
    add_nia(db, clock)
    walker = Walker(db, clock)
    project = walker.start()
    walker.walk(project, plan(), stop_at="invite_partners")

    bea = page_as("bea.board")
    bea.get_by_role("link", name="Your settings").click()
    bea.get_by_label("Your delegate").select_option(label="Nia Roberts (Project Board)")
    first_day = bea.get_by_role("group", name="First day away")  # day, month and year boxes
    for part, today in (("Day", "2"), ("Month", "3"), ("Year", "2026")):  # today, as the clock says
        expect(first_day.get_by_label(part)).to_have_value(today)
    last_day = bea.get_by_role("group", name="Last day away")
    for part, typed in (("Day", "16"), ("Month", "3"), ("Year", "2026")):
        last_day.get_by_label(part).fill(typed)
    bea.get_by_role("button", name="Set out of office").click()
    expect(bea.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "Saved: from 2 March 2026 to 16 March 2026 your new tasks go to Nia Roberts (Project Board).")
    away = bea.locator(".nhsuk-inset-text", has_text="your new tasks go to")
    expect(away).to_contain_text("Until 16 March 2026, your new tasks go to Nia Roberts (Project Board).")
    expect(away.get_by_role("button", name="End now")).to_be_visible()
    at_both_widths(bea, "settings-with-delegate")

    hub = page_as("hana.hub")
    do(hub, "Invite partners and open call", {
        "Partners to invite": Tick(seed.MEDTECH, seed.DATAHEALTH), "Board members who will score": Tick(*BOARD),
        "Call closing date": "2026-03-20", "Scoring closing date": "2026-03-27",
    }, moves_on_to="Submit expression of interest")
    walker.walk(project, plan(), stop_at="score_eois")

    assert "Score EoIs" not in inbox_titles(bea)
    nia = page_as("nia.board")
    assert inbox_titles(nia) == ["Score EoIs"]
    unread = int(nia.locator(".notifications-link .app-badge").inner_text())
    assert unread >= 1
    nia.get_by_role("link", name=f"Notifications ({unread} unread)", exact=True).click()
    nia.wait_for_url("**/notifications")
    given = nia.locator(".app-notification", has_text="Given to you")
    expect(given).to_have_count(1)
    expect(given).to_contain_text("Score EoIs")
    screenshot(nia, "notifications-of-a-delegate")
    given.get_by_role("button", name=re.compile("^Open the task")).click()
    nia.wait_for_url("**/tasks/**")
    expect(nia.get_by_role("heading", level=1)).to_have_text("Score EoIs")
    expect(nia.locator(".nhsuk-inset-text").first).to_contain_text("Bea Williams is away until")


def test_a_sponsor_withdraws_a_challenge_before_gate_1_from_my_projects(db, clock, demo_people, page_as):
    walker = Walker(db, clock)
    early = walker.start()
    walker.walk(early, plan(propose_challenge={"title": "Faster bowel screening results"}),
                stop_at="gate1_prioritisation")
    past = walker.start()
    walker.walk(past, plan(propose_challenge={"title": "AI triage of skin lesions"}), stop_at="invite_partners")

    sponsor = page_as("sam.sponsor")
    sponsor.get_by_role("link", name="My projects").click()
    passed = sponsor.locator(".app-project-card", has_text="AI triage of skin lesions")
    expect(passed.get_by_role("link", name=re.compile("^Withdraw"))).to_have_count(0)  # past Gate 1
    card = sponsor.locator(".app-project-card", has_text="Faster bowel screening results")
    card.get_by_role("link", name="Withdraw Faster bowel screening results").click()
    expect(sponsor.get_by_role("heading", level=1)).to_have_text("Withdraw this challenge")
    expect(sponsor.locator(".nhsuk-warning-callout")).to_contain_text("This cannot be undone")
    at_both_widths(sponsor, "withdraw-confirmation")

    sponsor.get_by_role("button", name="Yes, withdraw this challenge").click()  # no reason: refused, shown
    expect(sponsor.locator(".nhsuk-error-message")).to_be_visible()
    expect(sponsor).to_have_title(re.compile("^Error: "))
    screenshot(sponsor, "withdraw-without-a-reason")
    sponsor.get_by_label("Reason").fill("The alliance found a regional service that already does this.")
    sponsor.get_by_role("button", name="Yes, withdraw this challenge").click()
    sponsor.wait_for_url(f"**/projects/{early}")
    expect(sponsor.locator(".nhsuk-notification-banner--success")).to_contain_text("The challenge is withdrawn.")
    banner = sponsor.get_by_role("status").filter(has_text="Withdrawn since")
    expect(banner).to_contain_text("Withdrawn since")
    expect(banner).to_contain_text("Reason: The alliance found a regional service that already does this.")
    expect(sponsor.get_by_role("link", name="Withdraw this challenge")).to_have_count(0)

    sponsor.get_by_role("link", name="My projects").click()
    card = sponsor.locator(".app-project-card", has_text="Faster bowel screening results")
    expect(card.locator(".nhsuk-tag")).to_have_text("Withdrawn")
    expect(card.get_by_role("link", name=re.compile("^Withdraw"))).to_have_count(0)
    expect(card).to_contain_text("Nothing: it is over")
    assert "Gate 1 – Prioritisation" not in inbox_titles(page_as("hana.hub"))

    sponsor.goto(f"/projects/{past}/withdraw")  # typed by hand: the page says why not, and offers no button
    expect(sponsor.locator(".nhsuk-inset-text")).to_contain_text(
        "it has passed Gate 1, so only the Hub team can stop it now")
    expect(sponsor.get_by_role("button", name="Yes, withdraw this challenge")).to_have_count(0)


def test_the_chair_extends_scoring_at_gate_2_for_the_member_who_did_not_score(db, clock, demo_people, page_as):
    walker = Walker(db, clock)
    project = walker.start()
    walker.walk(project, plan(invite_partners={"invited_partners": [seed.MEDTECH, seed.DATAHEALTH],
                                               "board_members": ["bea.board", "ben.board"],
                                               "call_closes_at": "2026-03-20", "scoring_closes_at": "2026-03-27"}),
                stop_at="score_eois")
    [beas] = [t for t in walker.open_tasks(project) if t.assignee == "bea.board"]
    walker.complete(beas, plan()["score_eois"])
    clock.set(clock.now().replace(day=28, hour=9))
    assert fire_due(db, clock=clock) == 1

    chair = open_task(page_as("cara.chair"), "Gate 2 – Partner selection")
    expect(chair.get_by_role("main")).to_contain_text("Ben Ahmed")
    fill(chair, {"Decision": Pick("Extend scoring")})
    fill(chair, {"New scoring closing date": "2026-04-03"})
    screenshot(chair, "gate2-extend-scoring")
    submit(chair, "Gate 2 – Partner selection")
    assert "Gate 2 – Partner selection" not in inbox_titles(chair)
    assert inbox_titles(page_as("ben.board")) == ["Score EoIs"]
    assert "Score EoIs" not in inbox_titles(page_as("bea.board"))
