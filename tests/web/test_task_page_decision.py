"""The decision first: each task page leads with what is decided and on what, open, and the rest of the project below
it, collapsed; a form reached again starts from the last answers; a refused submission is kept; proposing creates
nothing until the proposal is submitted or saved."""
import re

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from demo import seed
from engine.runtime import instances
from engine.store.models import ProcessInstance, Task
from tests.web import test_task_pages as pages
from tests.web.test_task_pages import post_task, signed_in, task_row, text, token

at, walker = pages.at, pages.walker  # the fixtures: demo people, and a project walked to a task
MEDTECH, DATAHEALTH = seed.MEDTECH, seed.DATAHEALTH


def decision(page: str) -> str:
    """The part of the page that leads: from the decision's heading to the form (or the page's end)."""
    start = page.index('<section class="app-decision"')
    return page[start:page.index("</section>", start)]


def the_rest(page: str) -> str:
    start = page.index('<section class="app-history"')
    return page[start:page.index("</section>", start)]


def opened_by(walker, task_id) -> str:
    with walker.db.reading() as session:
        return walker.actor_for(session.get(Task, task_id)).username


def test_gate4_leads_with_the_mobilisation_pack_open(app, at, walker):
    _, task_id = at("gate4_mobilisation_approval")
    page = text(signed_in(app, opened_by(walker, task_id)).get(f"/tasks/{task_id}"))
    lead = decision(page)
    assert '<h2 id="decision-title">The mobilisation pack</h2>' in lead and "<details" not in lead
    assert "NHS contribution" in lead and "£100,000" in lead and "£150,000" in lead and "£250,000" in lead
    assert "A written joint working agreement is in place" in lead
    assert page.index("The mobilisation pack") < page.index('id="form-title"') < page.index("The project so far")
    assert "£100,000" not in the_rest(page)  # shown once, where it is decided on


def test_the_rest_of_the_project_is_below_and_collapsed(app, at, walker):
    _, task_id = at("gate4_mobilisation_approval")
    rest = the_rest(text(signed_in(app, opened_by(walker, task_id)).get(f"/tasks/{task_id}")))
    assert re.search(r'<details class="nhsuk-details">\s*<summary[^>]*><span[^>]*>The challenge</span>', rest)
    assert "Faster lung referrals" in rest and " open>" not in rest


def test_scoring_shows_each_eoi_open_with_the_criteria_and_no_other_scores(app, at, walker):
    project, _ = at("score_eois")
    task_id = next(t.id for t in walker.open_tasks(project) if t.assignee == "bea.board")
    page = text(signed_in(app, "bea.board").get(f"/tasks/{task_id}"))
    lead = decision(page)
    assert "Expressions of interest to score" in lead and "<details" not in lead
    for partner in (MEDTECH, DATAHEALTH):  # each EoI open, as a card
        assert f'<h3 class="nhsuk-card__heading">{partner}' in lead
    assert "Scoring criteria" in lead and "Strength of evidence" in lead
    assert "Board scores" not in page
    assert re.search(r"Assigned to</dt>\s*<dd[^>]*>You</dd>", page)  # whose task it is, in words


def test_gate2_says_when_no_expressions_of_interest_were_received(app, walker, clock, db):
    project = walker.start()
    walker.walk(project, seed.happy_path("Faster lung referrals", "Pathway Delays", deadline="2026-03-05"),
                stop_at="submit_eoi")
    clock.advance(days=5)
    db.writing(lambda s: instances.fire_timers(s, instance_id=project, clock=clock))
    gate2 = next(t for t in walker.open_tasks(project) if t.bpmn_id == "gate2_partner_selection")
    lead = decision(text(signed_in(app, "cara.chair").get(f"/tasks/{gate2.id}")))
    assert "No expressions of interest were received" in lead
    assert "re-open the call" in lead and "close the challenge" in lead
    assert "Board scores" not in lead


def test_a_partners_eoi_task_leads_with_the_call_brief_and_closing_date(app, at, walker):
    project, _ = at("submit_eoi")
    task_id = next(t.id for t in walker.open_tasks(project) if t.bpmn_id == "submit_eoi" and MEDTECH in t.organisations)
    page = text(signed_in(app, "ivy.medtech").get(f"/tasks/{task_id}"))
    lead = decision(page)
    assert '<h2 id="decision-title">The call</h2>' in lead
    assert "Call brief" in lead and "Call closing date" in lead and "31 December 2026" in lead
    assert page.index("Call brief") < page.index('id="form-title"')
    assert DATAHEALTH not in page


def test_after_a_gate1_deferral_the_definition_form_starts_from_the_last_answers(app, walker, clock, db):
    project = walker.start()
    plan = seed.happy_path("Faster lung referrals", "Pathway Delays")
    plan["define_challenge"] = {"pathway": "proof_of_value", "problem_statement": "Referrals wait too long."}
    walker.walk(project, plan, stop_at="gate1_prioritisation")
    gate1 = next(t for t in walker.open_tasks(project) if t.bpmn_id == "gate1_prioritisation")
    walker.complete(gate1, {"gate1_decision": "defer", "review_date": "2026-03-20"})
    clock.advance(days=20)
    db.writing(lambda s: instances.fire_timers(s, instance_id=project, clock=clock))
    again = next(t for t in walker.open_tasks(project) if t.bpmn_id == "define_challenge")
    page = text(signed_in(app, "hana.hub").get(f"/tasks/{again.id}"))
    assert "These are the answers given on 2 March 2026; change what needs to change." in page
    assert ">Referrals wait too long.</textarea>" in page


def test_a_refused_submission_is_kept_as_the_draft(app, at, db):
    _, task_id = at("gate1_prioritisation")
    client = signed_in(app, "hana.hub")
    refused = post_task(client, task_id, {"gate1_decision": "reject", "gate1_comments": "Kept after the error"})
    assert refused.status_code == 422 and ">Kept after the error</textarea>" in text(refused)
    assert task_row(db, task_id).state == "ready" and "Kept after the error" in task_row(db, task_id).draft_json
    page = text(client.get(f"/tasks/{task_id}"))  # leaving and coming back
    assert "from your saved draft" in page and ">Kept after the error</textarea>" in page


def count(db, model) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(model))


PROPOSAL = MultiDict([
    ("title", "Faster lung cancer diagnosis"), ("description", "AI reads chest X-rays."),
    ("challenge_area", "Early Diagnosis & Screening"), ("pathway_category", "Diagnostic & Treatment"),
    ("tumour_groups", "Lung"), ("alliance", "East Midlands"), ("trusts", "University Hospitals of Leicester"),
    ("unmet_need", "Patients wait too long."), ("evidence", "FDS below 75%."),
    ("measures_of_success", "Median time to MDT")])


def propose(client, fields, action="submit"):
    form = client.get("/projects/propose")
    data = MultiDict(fields)
    data.update({"action": action, "csrf_token": token(form.data)})
    return client.post("/projects/propose", data=data)


def test_propose_opens_an_empty_form_and_starts_the_project_only_when_submitted(app, walker, db):
    before = count(db, ProcessInstance)
    sam = signed_in(app, "sam.sponsor")
    assert 'href="/projects/propose"' in text(sam.get("/inbox"))
    form = sam.get("/projects/propose")
    assert form.status_code == 200 and "<h1>Propose a challenge</h1>" in text(form)
    assert 'name="title"' in text(form) and count(db, ProcessInstance) == before  # looking creates nothing

    refused = propose(sam, [("title", "Only a title")])
    assert refused.status_code == 422 and "There is a problem" in text(refused)
    assert 'value="Only a title"' in text(refused) and count(db, ProcessInstance) == before

    done = propose(sam, PROPOSAL)
    assert done.status_code == 302 and re.search(r"/projects/\d+$", done.location)
    project = text(sam.get(done.location))
    assert "Challenge proposed" in project and "Faster lung cancer diagnosis" in project
    assert count(db, ProcessInstance) == before + 1
    assert "Propose challenge" not in text(sam.get("/inbox"))  # the sponsor's part is done


def test_a_proposal_saved_as_a_draft_starts_the_project_holding_it(app, walker, db):
    before = count(db, ProcessInstance)
    sam = signed_in(app, "sam.sponsor")
    saved = propose(sam, [("title", "Half a proposal")], action="save")
    assert saved.status_code == 302 and "/tasks/" in saved.location and count(db, ProcessInstance) == before + 1
    page = text(sam.get(saved.location))
    assert "from your saved draft" in page and 'value="Half a proposal"' in page


def test_people_who_may_not_propose_are_refused_the_form(app, walker, db):
    hub = signed_in(app, "hana.hub")
    assert hub.get("/projects/propose").status_code == 403
    before = count(db, ProcessInstance)
    assert propose_refused(hub) == 403 and count(db, ProcessInstance) == before


def propose_refused(client) -> int:
    page = client.get("/inbox").data
    data = {**PROPOSAL, "action": "submit", "csrf_token": token(page)}
    return client.post("/projects/propose", data=data).status_code
