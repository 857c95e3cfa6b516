"""One project through all six gates in a real browser: each step done by the right person, on the task's page.

The people open their task from the inbox by its title, answer the form by its visible labels and press
Submit, as a reviewer would; the sponsor starts the project from the inbox. Only the timers (KPI returns)
are fired outside the browser.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache

from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from demo import seed
from demo.walker import Walker
from engine.runtime.timers import fire_due
from engine.store.models import ProcessInstance
from tests.browser.conftest import screenshot

MEDTECH, DATAHEALTH = seed.MEDTECH, seed.DATAHEALTH
BOARD = ("Bea Williams", "Ben Ahmed", "Bill Novak")  # bea.board, ben.board and bill.board, by name
NOTICE = ".nhsuk-notification-banner__heading"  # the success banner's message
CRITERIA = ("Strategic fit", "Patient impact", "Strength of evidence", "Deliverability", "Value for money",
            "Equity of access")


# --- answering a form by what the person sees ----------------------------------------------

@dataclass
class Pick:
    """The radio button labelled `option`, in the group (fieldset) named by the answer's key."""
    option: str


@dataclass
class Choose:
    """The option labelled `option` of the drop-down list labelled by the answer's key."""
    option: str


class Tick:
    """These checkboxes of the group named by the answer's key; with none given, its single checkbox."""

    def __init__(self, *options: str):
        self.options = options


ADD = object()  # press the "Add another ..." button named by the answer's key


def named(label: str) -> re.Pattern:
    """A field's label exactly, with or without the "(optional)" mark after it."""
    return re.compile(rf"^{re.escape(label)}(?: \(optional\))?$")


def fill(page: Page, answers: dict, scope: Page | Locator | None = None) -> None:
    """Answer the form: text by label, radios/checkboxes by group and label, a dict for a repeating row."""
    scope = scope or page
    for label, value in answers.items():
        if value is ADD:
            rows = page.locator("fieldset.app-form-row").count()
            page.get_by_role("button", name=label, exact=True).click()
            expect(page.locator("fieldset.app-form-row")).to_have_count(rows + 1)
        elif isinstance(value, dict):  # one row of a repeating group, by its legend ("Outcome measure 2")
            fill(page, value, scope.get_by_role("group", name=label, exact=True))
        elif isinstance(value, Pick):
            scope.get_by_role("group", name=named(label)).get_by_role("radio", name=value.option, exact=True).check()
        elif isinstance(value, Tick):
            _tick(scope.get_by_role("group", name=named(label)), value.options)
        elif isinstance(value, Choose):
            scope.get_by_label(named(label)).select_option(label=value.option)
        elif scope.get_by_role("group", name=named(label)).count():  # a date's three boxes, a score's radios
            _fill_group(scope.get_by_role("group", name=named(label)), value)
        else:
            scope.get_by_label(named(label)).fill(str(value))


def _fill_group(group: Locator, value: int | str) -> None:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        year, month, day = value.split("-")
        for part, typed in (("Day", day), ("Month", month), ("Year", year)):
            group.get_by_label(part, exact=True).fill(typed)
    else:  # "4", or "5 – Excellent" where the scale names its ends
        group.get_by_role("radio", name=re.compile(rf"^{value}(?: – .+)?$")).check()


def _tick(group: Locator, options: tuple[str, ...]) -> None:
    if not options:
        group.get_by_role("checkbox").check()
    for option in options:
        group.get_by_role("checkbox", name=option, exact=True).check()


def open_task(page: Page, title: str) -> Page:
    """Open the task from the inbox by clicking its title in the table."""
    page.goto("/inbox")
    page.get_by_role("table").get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return page


def submit(page: Page, title: str, moves_on_to: str | None = None) -> None:
    """Press Submit; back in the inbox the notice says what was submitted and what comes next."""
    page.get_by_role("button", name="Submit", exact=True).click()
    notice = page.locator(NOTICE)
    expect(notice).to_contain_text(f"{title} submitted.")
    expect(page).to_have_url(re.compile(r"/inbox$"))
    if moves_on_to:
        expect(notice).to_contain_text(f"The project moves on to: {moves_on_to}")


def do(page: Page, title: str, answers: dict, moves_on_to: str | None = None) -> None:
    open_task(page, title)
    fill(page, answers)
    submit(page, title, moves_on_to)


def inbox_titles(page: Page) -> list[str]:
    """The titles of the tasks in this person's inbox, top to bottom."""
    page.goto("/inbox")
    table = page.get_by_role("table")
    return table.get_by_role("link").all_inner_texts() if table.count() else []


# --- the journey, stage by stage -------------------------------------------------------------

def propose_and_prioritise(person) -> None:
    sponsor = person("sam.sponsor")
    sponsor.get_by_role("button", name="Propose a new challenge").click()
    sponsor.wait_for_url("**/projects/propose")  # an empty form: no project exists until it is submitted
    expect(sponsor.get_by_role("heading", level=1)).to_have_text("Propose a challenge")
    screenshot(sponsor, "journey-01-propose-sponsor")
    fill(sponsor, {
        "Challenge title": "Faster lung cancer diagnosis from chest X-rays",
        "Description": "AI reads chest X-rays from primary care and flags suspected lung cancer.",
        "Challenge area": Pick("Early Diagnosis & Screening"), "Pathway category": Pick("Diagnostic & Treatment"),
        "Tumour groups": Tick("Lung"), "Cancer Alliance": Pick("East Midlands"),
        "Trusts and ICSs concerned": "University Hospitals of Leicester\nNottingham University Hospitals",
        "Unmet need": "Too many patients wait more than 28 days for a diagnosis.",
        "Evidence of the need": "FDS performance has been below 75% for a year.",
        "Proposed measures of success": Tick("28-day Faster Diagnosis Standard", "Median time to MDT"),
    })
    sponsor.get_by_role("button", name="Submit proposal").click()
    expect(sponsor).to_have_url(re.compile(r"/projects/\d+$"))  # the sponsor lands on the project they proposed
    expect(sponsor.get_by_role("main")).to_contain_text("Challenge proposed")
    expect(sponsor.get_by_role("main")).to_contain_text("Faster lung cancer diagnosis from chest X-rays")
    assert inbox_titles(sponsor) == []
    hub = person("hana.hub")
    do(hub, "Define and score challenge", {
        "Problem statement": "Late diagnosis of lung cancer.", "Scope": "Two trusts, primary care referrals.",
        "Context": "National FDS target of 80%.", "Desired outcomes": "FDS above 80%.",
        "Urgency": 4, "Potential impact": 5, "Strategic alignment": 4, "Pathway": Pick("Proof of value (pilot first)"),
    }, moves_on_to="Gate 1 – Prioritisation")
    open_task(hub, "Gate 1 – Prioritisation")
    context = hub.get_by_role("region", name="The challenge as defined and scored")  # the decision's context first
    expect(context).to_contain_text("Faster lung cancer diagnosis from chest X-rays")
    expect(context).to_contain_text("Proof of value")
    screenshot(hub, "journey-02-gate1-task-page-with-context")
    fill(hub, {"Decision": Pick("Approve"), "Comments": "A good fit for the Hub."})
    submit(hub, "Gate 1 – Prioritisation", moves_on_to="Invite partners and open call")
    do(hub, "Invite partners and open call", {
        "Partners to invite": Tick(MEDTECH, DATAHEALTH), "Board members who will score": Tick(*BOARD),
        "Call closing date": "2026-03-30", "Call brief": "Tell us how your product shortens the pathway.",
    }, moves_on_to="Submit expression of interest")


def eoi(solution: str) -> dict:
    return {"Solution name": solution, "Solution summary": f"{solution} reads chest X-rays.",
            "How it addresses the challenge": "Flags suspected cancers for same-day CT.",
            "Evidence of impact": "Two published studies.", "Delivery approach": "Cloud service, 3-month set-up.",
            "Proposed contribution": "Licences and an implementation lead.",
            "Estimated value of your contribution (GBP)": 120000, "Contact name": "Alex Contact",
            "Contact email": "alex@example.com", "Declaration": Tick()}


def score_row(scores: int | str) -> dict:
    """A score row's answers: a conflict's reason (text), or the same score on every criterion."""
    if isinstance(scores, str):
        return {"I have a conflict of interest with this partner": Pick("Yes"), "Nature of the conflict": scores}
    return {"I have a conflict of interest with this partner": Pick("No"), **dict.fromkeys(CRITERIA, scores)}


def score(page: Page, by_partner: dict[str, int | str], moves_on_to: str | None = None) -> None:
    """Score EoIs: one row per submitted EoI, already naming its partner."""
    open_task(page, "Score EoIs")
    expect(page.get_by_role("heading", name="Board scores")).to_have_count(0)  # not each other's scores
    for index in (1, 2):
        row = page.get_by_role("group", name=f"Score for one EoI {index}", exact=True)
        partner = MEDTECH if row.get_by_role("radio", name=MEDTECH).is_checked() else DATAHEALTH
        fill(page, score_row(by_partner[partner]), row)
    submit(page, "Score EoIs", moves_on_to)


def match_partner(person) -> None:
    medtech, datahealth = person("ivy.medtech"), person("ian.datahealth")
    assert inbox_titles(medtech) == inbox_titles(datahealth) == ["Submit expression of interest"]
    do(medtech, "Submit expression of interest", eoi("LungScan AI"))
    do(datahealth, "Submit expression of interest", eoi("ChestView"))
    expect(datahealth.locator(NOTICE)).not_to_contain_text("Score EoIs")  # the board's work is not theirs to see
    score(person("bea.board"), {MEDTECH: 5, DATAHEALTH: 3})
    score(person("ben.board"), {MEDTECH: 4, DATAHEALTH: 3})
    score(person("bill.board"), {MEDTECH: "I work for Medtech Innovations.", DATAHEALTH: 2},
          moves_on_to="Gate 2 – Partner selection")
    chair = open_task(person("cara.chair"), "Gate 2 – Partner selection")
    table = chair.get_by_role("region", name=re.compile("^Mean board scores per criterion"))
    expect(table.get_by_role("row").nth(1)).to_contain_text(MEDTECH)  # best first
    medtech_row = table.get_by_role("row").filter(has_text=MEDTECH)
    assert medtech_row.get_by_role("cell").all_inner_texts()[-2:] == ["2", "1"]  # 2 scorers, 1 conflict
    assert table.get_by_role("row").filter(has_text=DATAHEALTH).get_by_role("cell").all_inner_texts()[-2:] \
        == ["3", "0"]
    chart = chair.get_by_role("img", name=re.compile("Mean total score out of 30 by partner"))
    expect(chart).to_be_visible()
    assert chair.evaluate("Chart.getChart(document.getElementById('scores-chart')).data.labels")[0] == MEDTECH
    screenshot(chair, "journey-03-gate2-board-scores")
    fill(chair, {"Decision": Pick("Select partners"), "Selected partners": Tick(MEDTECH), "Comments": "Best scored."})
    submit(chair, "Gate 2 – Partner selection", moves_on_to="Draft project specification")
    assert inbox_titles(datahealth) == []  # the partner not selected has nothing more to do


def codesign_and_mobilise(person) -> None:
    do(person("ivy.medtech"), "Draft project specification", {
        "Objectives": "Raise FDS above 80% at two sites.", "Sites": "Leicester Royal Infirmary\nQueen's Medical Centre",
        "Solution description": "LungScan AI in the PACS.", "Evaluation plan": "Before/after comparison over 6 months.",
        "Data-sharing agreement": Pick("Signed"), "DPIA status": Pick("Approved"),
    }, moves_on_to="Agree outcome measures")
    clinical, hub = person("cleo.clinical"), person("hana.hub")
    do(clinical, "Agree outcome measures", {
        "Outcome measure 1": {"Measure": Choose("28-day Faster Diagnosis Standard"), "Baseline": 76,
                              "Success threshold": 80, "Direction": Pick("Higher is better"), "Unit": "%"},
        "Add another outcome measure": ADD,
        "Outcome measure 2": {"Measure": Choose("Median time to MDT"), "Baseline": 21, "Success threshold": 14,
                              "Direction": Pick("Lower is better"), "Unit": "days"},
    }, moves_on_to="Gate 3 – Specification sign-off (Hub team)")
    do(hub, "Gate 3 – Specification sign-off (Hub team)", {"Decision": Pick("Approve")},
       moves_on_to="Gate 3 – Specification sign-off (clinical lead)")
    do(clinical, "Gate 3 – Specification sign-off (clinical lead)", {"Decision": Pick("Approve")},
       moves_on_to="Prepare mobilisation pack")
    do(hub, "Prepare mobilisation pack", {
        "Resourcing": "A project manager and a clinical champion.", "Project plan": "Go live in May.",
        "Governance": "Monthly project board.", "Roles and responsibilities": "See the RACI.",
        "NHS contribution (GBP)": 150000, "Industry contribution (GBP)": 100000, "Total budget (GBP)": 250000,
        "Milestone 1": {"Milestone": "Live at the first site", "Due date": "2026-05-01"},
        "The DPIA is approved (or not needed)": Pick("Yes"),
        "The data-sharing agreement is signed (or not needed)": Pick("Yes"),
        "A written joint working agreement is in place": Pick("Yes"),
        "Joint working agreement reference": "JWA-2026-014",
    }, moves_on_to="Gate 4 – Mobilisation approval")
    do(person("fran.finance"), "Gate 4 – Mobilisation approval",
       {"Decision": Pick("Approve"), "Budget committed (GBP)": 250000}, moves_on_to="Report pilot outcomes")


def pilot_and_evidence(person) -> None:
    do(person("cleo.clinical"), "Report pilot outcomes", {
        "Progress report 1": {"Report date": "2026-05-29", "Summary": "Both sites live.", "Issues and risks": "None."},
        "Measured outcome 1": {"Measure": Choose("28-day Faster Diagnosis Standard"), "Measured value": 83},
        "Add another measured outcome": ADD,
        "Measured outcome 2": {"Measure": Choose("Median time to MDT"), "Measured value": 12},
        "Final outcome report": "Both measures beat their thresholds.",
    }, moves_on_to="Gate 5 – Evidence Gate")
    panel = open_task(person("eve.evidence"), "Gate 5 – Evidence Gate")
    expect(panel.get_by_role("heading", name="The decision table recommends: Proceed")).to_be_visible()
    expect(panel.get_by_role("region", name=re.compile("Measured outcomes against"))).to_contain_text("83")
    screenshot(panel, "journey-04-gate5-recommendation")
    fill(panel, {"Confirm the recommendation": Pick("Yes")})
    submit(panel, "Gate 5 – Evidence Gate", moves_on_to="Prepare business case")
    do(person("hana.hub"), "Prepare business case", {
        "Strategic case": "Meets the FDS target.", "Economic case": "Saves 2 bed days per patient.",
        "Commercial case": "Framework call-off.", "Financial case": "Funded by the Alliance.",
        "Management case": "Hub-run roll-out.", "Procurement route": Pick("PSR (Provider Selection Regime)"),
        "Contract model": "Licence", "Budget (GBP)": 1200000, "Timelines": "Roll-out over 12 months.",
    }, moves_on_to="Gate 6 – DMBC business case")
    do(person("dan.dmbc"), "Gate 6 – DMBC business case",
       {"Decision": Pick("Approve"), "Funding authorised (GBP)": 1200000},
       moves_on_to="Execute procurement and award")


def scale_and_close(person, db, clock) -> None:
    procurement = open_task(person("pat.procurement"), "Execute procurement and award")
    expect(procurement.get_by_label(named("Interval between KPI returns"))).to_have_value("P30D")
    fill(procurement, {
        "Supplier awarded": MEDTECH, "Award or contract reference": "PSR-2026-77", "Award date": "2026-06-15",
        "Contract value (GBP)": 1150000, "Roll-out sites": "All 12 trusts", "Number of KPI returns": 1,
    })
    submit(procurement, "Execute procurement and award")
    hub = person("hana.hub")
    assert inbox_titles(hub) == []  # the KPI return waits on its timer
    clock.advance(days=31)
    assert fire_due(db, clock=clock) == 1
    do(hub, "Submit KPI return", {
        "Status": Pick("On track"),
        "KPI value 1": {"Measure": Choose("28-day Faster Diagnosis Standard"), "Value": 82},
        "Benefits narrative": "FDS held above target across the footprint.",
    }, moves_on_to="Close project")
    do(hub, "Close project", {"Closure summary": "Scaled to all trusts.", "Benefits realised": "FDS up 6 points.",
                              "Closure date": "2026-07-31"}, moves_on_to="Record lessons learned")
    open_task(hub, "Record lessons learned")
    fill(hub, {"What worked": "Early clinical involvement.", "What did not work": "Slow DPIA.",
               "Recommendations": "Start the DPIA at Gate 2.",
               "Share these lessons across the footprint": Pick("Yes")})
    hub.get_by_role("button", name="Submit", exact=True).click()
    expect(hub.locator(NOTICE)).to_have_text("Record lessons learned submitted. The project is now closed.")
    expect(hub.get_by_text("You have no tasks to do right now.")).to_be_visible()
    screenshot(hub, "journey-05-project-closed")


def test_a_project_goes_through_every_gate_in_the_browser(db, clock, demo_people, page_as):
    person = cache(page_as)  # each person signs in once, in their own browser context
    propose_and_prioritise(person)
    match_partner(person)
    codesign_and_mobilise(person)
    pilot_and_evidence(person)
    scale_and_close(person, db, clock)
    with db.reading() as session:
        [instance] = session.scalars(select(ProcessInstance)).all()
        data = json.loads(instance.data_json)
    assert instance.status == "completed"
    assert data["selected_partners"] == [MEDTECH] and data["gate5_recommendation"] == "proceed"
    assert data["outcome_measures"][1] == {"measure": "Median time to MDT", "baseline": 21, "threshold": 14,
                                           "direction": "lower_is_better", "unit": "days"}
    assert data["budget_committed"] == 250000 and data["tracking_periods"] == 1


# --- errors, drafts, who sees what ------------------------------------------------------------

def at_gate1(db, clock) -> None:
    walker = Walker(db, clock)
    walker.walk(walker.start(), seed.happy_path("AI triage of skin lesions", "Pathway Delays"),
                stop_at="gate1_prioritisation")


def test_a_validation_error_keeps_what_was_typed(db, clock, demo_people, page_as):
    at_gate1(db, clock)
    hub = open_task(page_as("hana.hub"), "Gate 1 – Prioritisation")
    fill(hub, {"Decision": Pick("Reject"), "Comments": "Typed before the error"})
    hub.get_by_role("button", name="Submit", exact=True).click()
    summary = hub.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(hub).to_have_title(re.compile("^Error: Gate 1"))
    expect(summary.get_by_role("link", name="Enter reason for rejection")).to_be_visible()
    expect(hub.get_by_label(named("Comments"))).to_have_value("Typed before the error")
    expect(hub.get_by_role("radio", name="Reject", exact=True)).to_be_checked()
    expect(hub.get_by_label(named("Reason for rejection"))).to_have_attribute("aria-invalid", "true")
    screenshot(hub, "errors-gate1-reject-without-reason")
    summary.get_by_role("link", name="Enter reason for rejection").click()
    expect(hub.get_by_label(named("Reason for rejection"))).to_be_focused()
    fill(hub, {"Reason for rejection": "A national programme covers it."})
    hub.get_by_role("button", name="Submit", exact=True).click()
    expect(hub.get_by_role("heading", name="This ends the project. Are you sure?")).to_be_visible()
    screenshot(hub, "errors-gate1-confirm-ending-the-project")
    hub.get_by_role("button", name="No, go back and change my answers").click()
    expect(hub.get_by_label(named("Reason for rejection"))).to_have_value("A national programme covers it.")
    expect(hub.get_by_label(named("Comments"))).to_have_value("Typed before the error")
    assert inbox_titles(hub) == ["Gate 1 – Prioritisation"]  # nothing was submitted


def test_a_draft_survives_signing_out(db, clock, demo_people, page_as):
    at_gate1(db, clock)
    hub = open_task(page_as("hana.hub"), "Gate 1 – Prioritisation")
    fill(hub, {"Decision": Pick("Defer"), "Comments": "Half done: waiting for the finance view"})
    hub.get_by_role("button", name="Save draft", exact=True).click()
    expect(hub.locator(NOTICE)).to_have_text("Draft saved. You can come back to it later.")
    expect(hub.get_by_text("These answers are from your saved draft.")).to_be_visible()
    hub.get_by_role("button", name="Sign out").click()
    expect(hub.get_by_role("heading", name="Sign in")).to_be_visible()
    again = open_task(page_as("hana.hub"), "Gate 1 – Prioritisation")
    expect(again.get_by_label(named("Comments"))).to_have_value("Half done: waiting for the finance view")
    expect(again.get_by_role("radio", name="Defer", exact=True)).to_be_checked()
    expect(again.get_by_text("These answers are from your saved draft.")).to_be_visible()
    expect(again.get_by_role("term").filter(has_text="Claimed by")).to_be_visible()  # the draft claimed it


def test_the_inbox_shows_only_what_each_role_may_do(db, clock, demo_people, page_as):
    walker = Walker(db, clock)
    walker.walk(walker.start(), seed.happy_path("Digital pre-assessment", "Pathway Delays"), stop_at="submit_eoi")
    medtech, datahealth = page_as("ivy.medtech"), page_as("ian.datahealth")
    assert inbox_titles(medtech) == inbox_titles(datahealth) == ["Submit expression of interest"]
    screenshot(medtech, "inbox-industry-partner")
    own = medtech.get_by_role("link", name="Submit expression of interest").get_attribute("href")
    other = datahealth.get_by_role("link", name="Submit expression of interest").get_attribute("href")
    assert own != other  # each partner has its own EoI task
    assert datahealth.goto(own).status == 404  # and cannot open the other's
    for username in ("bea.board", "cara.chair", "cleo.clinical", "sam.sponsor"):
        assert inbox_titles(page_as(username)) == [], username
    assert inbox_titles(page_as("hugo.hub")) == []  # the Hub has handed over to the partners
