"""What a partner (or a board member off a project's board) can learn beyond the data itself: who proposed the
challenge, when a competitor answered, how many events they were not shown, where a project they were not
selected for stands, and whoever else holds or completed a task. Each was found by a security review."""
from sqlalchemy import select

from demo import seed
from engine.history.timeline import project_history
from engine.identity import tokens
from engine.sixgates.project_page import project_view
from engine.store.models import Task, User
from tests.conftest import add_user
from tests.web import test_no_leaks
from tests.web.conftest import PASSWORD, signed_in
from tests.web.test_no_leaks import EOI

world = test_no_leaks.world  # the fixture: the demo users and a plan that plants markers


def api(app, db, clock, username):
    token = db.writing(lambda s: tokens.create_token(s, username=username, actor="test", clock=clock))
    client, headers = app.test_client(), {"Authorization": f"Bearer {token}"}
    return lambda path: client.get(f"/api/v1{path}", headers=headers)


def task_of(db, project, bpmn_id, **where) -> Task:
    with db.reading() as session:
        rows = session.scalars(select(Task).where(Task.instance_id == project, Task.bpmn_id == bpmn_id)).all()
        return next(t for t in rows if all(getattr(t, k) == v for k, v in where.items()))


def as_user(db, username, fn):
    with db.reading() as session:
        return fn(session, session.scalars(select(User).where(User.username == username)).one())


def datahealth_last_to_answer(world):
    """A project whose call Medtech has answered, and DataHealth's EoI task, the last one open."""
    walker, plan = world
    project = walker.start()
    walker.walk(project, plan, stop_at="submit_eoi")
    medtech_answers(walker, plan, project)
    return project, next(t for t in walker.open_tasks(project) if seed.DATAHEALTH in (t.organisations or ""))


def medtech_answers(walker, plan, project):
    medtech = next(t for t in walker.open_tasks(project) if seed.MEDTECH in (t.organisations or ""))
    walker.complete(medtech, plan["submit_eoi"])


def test_a_board_member_off_this_projects_board_reads_no_eoi_and_no_invited_partner(app, db, clock, world):
    walker, plan = world
    plan["invite_partners"] = {**plan["invite_partners"], "board_members": ["bea.board", "ben.board"]}
    project = walker.start()
    walker.walk(project, plan, stop_at="submit_eoi")
    medtech_answers(walker, plan, project)
    walker.walk(project, plan, stop_at="gate2_partner_selection")
    bill_get = api(app, db, clock, "bill.board")
    bill = bill_get(f"/instances/{project}")
    assert bill_get("/instances").json["instances"][0]["stage"] == "" == bill.json["stage"]
    assert bill_get("/instances?stage=match").json["instances"] == []  # nor can he search by it
    assert bill.status_code == 200 and EOI["solution_name"] not in bill.get_data(as_text=True)
    assert "eois" not in bill.json["data"] and "invited_partners" not in bill.json["data"]
    register = signed_in(app, "bill.board").get("/register.csv").get_data(as_text=True)
    assert seed.DATAHEALTH not in register and seed.MEDTECH not in register
    bea = api(app, db, clock, "bea.board")(f"/instances/{project}").json["data"]
    assert bea["eois"][0]["solution_name"] == EOI["solution_name"]  # on the board: reads what she scores
    staff = api(app, db, clock, "eve.evidence")(f"/instances/{project}").json["data"]
    assert "invited_partners" not in staff and not staff.get("eois")


def test_a_partner_cannot_tell_when_a_competitor_answers_nor_count_the_events_kept_from_them(app, db, clock, world):
    walker, plan = world
    add_user(db, clock, "gus.gamma", "industry_partner", org="Gamma Diagnostics", password=PASSWORD)
    plan["invite_partners"] = {**plan["invite_partners"],
                               "invited_partners": [seed.MEDTECH, seed.DATAHEALTH, "Gamma Diagnostics"]}
    project = walker.start()
    walker.walk(project, plan, stop_at="submit_eoi")
    theirs = next(t for t in walker.open_tasks(project) if seed.DATAHEALTH in (t.organisations or ""))
    walker.complete(theirs, plan["submit_eoi"])  # Ian answers; Gamma has not, so the call stays open
    ian = api(app, db, clock, "ian.datahealth")

    def everything():
        events = ian(f"/instances/{project}/events").json["events"]
        history = as_user(db, "ian.datahealth", lambda s, u: project_history(s, user=u, instance_id=project))
        return (ian("/instances").json, ian(f"/instances/{project}").json, events,
                history.project["last_seq"], [e.seq for e in history.entries if e.seq is not None],
                [e.system_seq for e in history.entries if e.seq is None])

    before = everything()
    clock.advance(hours=3)
    medtech_answers(walker, plan, project)
    assert everything() == before
    _listed, _detail, events, last_seq, numbers, deployments = before
    assert deployments == [1]  # the version's deployment, not its place among everything the Hub recorded
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1)) == numbers
    assert last_seq == len(events) and not any("prev_hash" in e for e in events)
    assert api(app, db, clock, "aud.auditor")(f"/instances/{project}/events").json["events"][-1]["seq"] > len(events)


def test_after_gate2_a_partner_not_selected_follows_only_the_outcome(app, db, clock, world):
    walker, plan = world
    project = walker.start()
    walker.walk(project, plan, stop_at="gate5_evidence_gate")  # Medtech was selected
    ian = api(app, db, clock, "ian.datahealth")
    detail = ian(f"/instances/{project}").json
    assert detail["stage"] == "" and detail["open_tasks"] == []
    later = {"draft_specification", "gate3_hub_signoff", "gate3_clinical_signoff", "prepare_mobilisation",
             "gate4_mobilisation_approval", "gate4_outcome", "pathway_choice", "start_pilot", "agree_outcome_measures",
             "report_pilot_outcomes", "gate5_evidence_gate", "gate3_outcome"}
    events = ian(f"/instances/{project}/events").json["events"]
    assert not {e["task"] for e in events} & later
    # Gate 2's own path (to co-design) they may know: whether a partner was selected is everyone's.
    assert not any(set(e["data"].get("to") or []) & (later - {"draft_specification"}) for e in events)
    assert ian(f"/instances?stage={as_auditor_stage(app, db, clock, project)}").json["instances"] == []
    page = as_user(db, "ian.datahealth", lambda s, u: project_view(s, user=u, instance_id=project, now=clock.now()))
    assert not set(page["completed"]) & later and page["active"] == [] and page["open_tasks"] == []
    ivy = {e["task"] for e in api(app, db, clock, "ivy.medtech")(f"/instances/{project}/events").json["events"]}
    assert {"gate4_mobilisation_approval", "gate5_evidence_gate"} <= ivy  # the selected partner follows it all


def as_auditor_stage(app, db, clock, project):
    return api(app, db, clock, "aud.auditor")(f"/instances/{project}").json["stage"]


def test_a_partner_holding_an_internal_role_stays_outside_the_hub(app, db, clock, world):
    walker, plan = world
    add_user(db, clock, "zoe.zeta", "industry_partner", "clinical_lead", org="Zeta Health", password=PASSWORD)
    add_user(db, clock, "hal.zeta", "industry_partner", "hub_team", org="Zeta Health", password=PASSWORD)
    add_user(db, clock, "ida.datahealth", "industry_partner", "hub_team", org=seed.DATAHEALTH, password=PASSWORD)
    project = walker.start()
    walker.walk(project, plan, stop_at="gate2_partner_selection")
    score = task_of(db, project, "score_eois", assignee="bea.board")
    for username in ("zoe.zeta", "hal.zeta"):
        get = api(app, db, clock, username)
        assert get(f"/instances/{project}").status_code == 404 and get("/instances").json["instances"] == []
        assert get(f"/instances/{project}/events").status_code == 404 and get(f"/tasks/{score.id}").status_code == 404
    ida = api(app, db, clock, "ida.datahealth")
    assert ida(f"/tasks/{score.id}").status_code == 404
    assert ida(f"/instances/{project}/events").status_code == 403  # invited, but she has not taken part
    assert "bea.board" not in ida(f"/instances/{project}").get_data(as_text=True)


def test_a_partner_holding_a_hub_role_neither_opens_nor_does_the_hubs_tasks(app, db, clock, world):
    walker, plan = world
    add_user(db, clock, "max.medtech", "industry_partner", "clinical_lead", org=seed.MEDTECH, password=PASSWORD)
    project = walker.start()
    walker.walk(project, plan, stop_at="gate3_clinical_signoff")  # Medtech selected
    signoff = task_of(db, project, "gate3_clinical_signoff")
    token = db.writing(lambda s: tokens.create_token(s, username="max.medtech", actor="test", clock=clock))
    client, headers = app.test_client(), {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tasks", headers=headers).json["tasks"] == []
    assert client.get(f"/api/v1/tasks/{signoff.id}", headers=headers).status_code == 403
    done = client.post(f"/api/v1/tasks/{signoff.id}/complete", headers=headers,
                       json={"data": {"gate3_clinical_decision": "approve"}})
    assert done.status_code == 403 and task_of(db, project, "gate3_clinical_signoff").state == "ready"


def test_a_partner_completing_the_last_eoi_is_not_told_the_boards_tasks(app, db, clock, world):
    project, theirs = datahealth_last_to_answer(world)
    token = db.writing(lambda s: tokens.create_token(s, username="ian.datahealth", actor="test", clock=clock))
    answers = {**{k: "x" for k in EOI}, "contribution_value_gbp": 1, "contact_email": "ian@example.org",
               "declaration": True}
    done = app.test_client().post(f"/api/v1/tasks/{theirs.id}/complete", json={"data": answers},
                                  headers={"Authorization": f"Bearer {token}"})
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.json["tasks"] == [] and "board" not in done.get_data(as_text=True)
    assert {t.bpmn_id for t in world[0].open_tasks(project)} == {"score_eois"}  # the board's, not Ian's to know


def test_a_partner_does_not_learn_who_proposed_the_challenge(app, db, clock, world):
    walker, plan = world
    project = walker.start()
    walker.walk(project, plan, stop_at="submit_eoi")
    ian = api(app, db, clock, "ian.datahealth")
    assert ian("/instances").json["instances"][0]["started_by"] == "someone else"
    assert ian(f"/instances/{project}").json["started_by"] == "someone else"
    page = signed_in(app, "ian.datahealth").get(f"/projects/{project}").get_data(as_text=True)
    assert "Sam Patel" not in page and "sam.sponsor" not in page
    assert api(app, db, clock, "hana.hub")(f"/instances/{project}").json["started_by"] == "sam.sponsor"


def test_the_page_a_partner_submits_the_last_eoi_on_does_not_say_the_board_scores_next(app, db, clock, world):
    from tests.web.test_task_pages import post_task, text
    project, theirs = datahealth_last_to_answer(world)
    client = signed_in(app, "ian.datahealth")
    fields = {**{k: "x" for k in EOI}, "contribution_value_gbp": "1", "contact_email": "ian@example.org",
              "declaration": "true"}
    assert post_task(client, theirs.id, fields).status_code == 302, text(client.get(f"/tasks/{theirs.id}"))
    inbox = text(client.get("/inbox"))
    assert "Submit expression of interest submitted." in inbox and "Score EoIs" not in inbox
    assert {t.bpmn_id for t in world[0].open_tasks(project)} == {"score_eois"}


def test_a_partners_form_offers_no_choice_drawn_from_data_they_may_not_read(app, db, clock, world):
    import json

    from engine.repository import deployments
    from tests.conftest import ROOT
    walker, plan = world
    bpmn, dmn, forms = deployments.read_directory(ROOT / "processes", ROOT / "forms")
    eoi_form = json.loads(forms["submit_eoi.schema.json"])
    eoi_form["properties"]["compared_with"] = {"type": "string", "x-options": "data:invited_partners"}
    forms["submit_eoi.schema.json"] = json.dumps(eoi_form).encode()
    db.writing(lambda s: deployments.deploy_process(s, bpmn=bpmn, dmn=dmn, forms=forms, actor="test", clock=clock))
    project = walker.start()
    walker.walk(project, plan, stop_at="submit_eoi")
    theirs = next(t for t in walker.open_tasks(project) if seed.DATAHEALTH in (t.organisations or ""))
    form = api(app, db, clock, "ian.datahealth")(f"/tasks/{theirs.id}").json["form"]
    assert form["properties"]["compared_with"]["enum"] == []  # who else was invited is not theirs to know
