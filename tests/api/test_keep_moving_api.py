"""Keeping the work moving over the REST API: the Hub team reassigns a task, holds, resumes and stops a project;
a sponsor withdraws a challenge; everyone reads their notifications and sets their own preferences, delegate
and e-mail address, and follows their own projects."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from demo import seed
from demo.answers import sample_answers
from engine.history import verification
from engine.identity import tokens
from engine.store.models import Task
from tests.conftest import Api, add_user

PLAN = seed.happy_path("Automated MDT preparation", "Multidisciplinary Team Efficiency")


@pytest.fixture
def client(app, db, clock, people):
    """client('bea.board') -> an Api client for that demo user (or one added by the test)."""
    def make(username):
        return Api(app, db.writing(lambda s: tokens.create_token(s, username=username, actor="test", clock=clock)))
    return make


@pytest.fixture
def scoring(people):
    """A project where the board members' scoring tasks are ready (both partners have submitted)."""
    project = people.start()
    people.walk(project, PLAN, stop_at="score_eois")
    return project


def open_task(db, project: int, name: str, assignee: str | None = None) -> str:
    with db.reading() as s:
        stmt = select(Task.id).where(Task.instance_id == project, Task.bpmn_id == name, Task.state == "ready")
        if assignee:
            stmt = stmt.where(Task.assignee == assignee)
        return s.scalars(stmt).one()


def answers(api: Api, task_id: str, clock, overrides=None) -> dict:
    task = api.get(f"/tasks/{task_id}").json
    return sample_answers(task["form"], overrides, today=clock.now().date(), context=task["context"])


SCORES = {"scores": [{"partner": partner, "conflict_of_interest": False, "strategic_fit": 4, "patient_impact": 4,
                      "strength_of_evidence": 3, "deliverability": 4, "value_for_money": 3, "equity_of_access": 4}
                     for partner in (seed.MEDTECH, seed.DATAHEALTH)]}


def assert_record_verifies(db):
    with db.reading() as s:
        report = verification.check_records(s, rerun=True)
    assert report.problems == []


# --- reassigning -------------------------------------------------------------------------------------

def test_the_hub_gives_a_board_members_scoring_to_another_board_member(db, clock, client, scoring):
    add_user(db, clock, "bree.board", "board_member")
    hana, bea, bree = client("hana.hub"), client("bea.board"), client("bree.board")
    task = open_task(db, scoring, "score_eois", "bea.board")

    moved = hana.post(f"/tasks/{task}/reassign", json={"to": "bree.board", "reason": "Bea is on leave"})
    assert moved.status_code == 200, moved.json
    assert (moved.json["id"], moved.json["assignee"], moved.json["state"]) == (task, "bree.board", "ready")
    assert bea.get(f"/tasks/{task}").status_code in (403, 404)
    assert bea.complete(task, SCORES).status_code in (403, 404)
    assert task not in [t["id"] for t in bea.tasks()]
    assert task in [t["id"] for t in bree.tasks()]
    told = bree.get("/notifications").json["notifications"]
    assert [n["link"] for n in told if n["kind"] == "reassigned"] == [f"/tasks/{task}"]

    done = bree.complete(task, answers(bree, task, clock, SCORES))
    assert done.status_code == 200, done.json
    events = client("aud.auditor").get(f"/instances/{scoring}/events").json["events"]
    [reassigned] = [e for e in events if e["kind"] == "task_reassigned"]
    assert (reassigned["actor"], reassigned["data"]["to"], reassigned["data"]["reason"]) == (
        "hana.hub", "bree.board", "Bea is on leave")
    assert_record_verifies(db)


def test_only_the_hub_reassigns_and_only_to_someone_who_may_do_the_task(db, clock, client, scoring):
    task = open_task(db, scoring, "score_eois", "bea.board")
    body = {"to": "ben.board", "reason": "Bea is on leave"}
    assert client("ivy.medtech").post(f"/tasks/{task}/reassign", json=body).status_code in (403, 404)
    assert client("sam.sponsor").post(f"/tasks/{task}/reassign", json=body).status_code in (403, 404)
    assert client("bea.board").post(f"/tasks/{task}/reassign", json=body).status_code == 403
    hana = client("hana.hub")
    for wrong, field in (({"to": "cleo.clinical", "reason": "x"}, "to"),  # no board_member role
                         ({"to": "nobody.here", "reason": "x"}, "to"),
                         ({"to": "bea.board", "reason": "x"}, "to"),  # already hers
                         ({"to": "ben.board"}, "reason"), ({"to": "ben.board", "reason": "   "}, "reason"),
                         ({"to": 7, "reason": "x"}, "to")):
        refused = hana.post(f"/tasks/{task}/reassign", json=wrong)
        assert refused.status_code == 400 and field in refused.json["error"]["fields"], (wrong, refused.json)
    assert hana.post("/tasks/no-such-task/reassign", json=body).status_code == 404
    assert task in [t["id"] for t in client("bea.board").tasks()]


def test_reassigning_to_someone_four_eyes_bars_is_refused(db, clock, client, people):
    project = people.start()
    people.walk(project, PLAN, stop_at="prepare_mobilisation")
    hugo = client("hugo.hub")  # Hub team and finance approver: may prepare the pack, or approve one
    pack = open_task(db, project, "prepare_mobilisation")
    assert hugo.complete(pack, answers(hugo, pack, clock, PLAN["prepare_mobilisation"])).status_code == 200
    gate4 = open_task(db, project, "gate4_mobilisation_approval")
    refused = client("hana.hub").post(f"/tasks/{gate4}/reassign", json={"to": "hugo.hub", "reason": "Fran is ill"})
    assert refused.status_code == 400 and "to" in refused.json["error"]["fields"]
    moved = client("hana.hub").post(f"/tasks/{gate4}/reassign", json={"to": "fran.finance", "reason": "Fran leads"})
    assert moved.status_code == 200 and moved.json["assignee"] == "fran.finance"


# --- a project's lifecycle ------------------------------------------------------------------------------

def test_a_project_on_hold_cannot_move_until_resumed(db, clock, client, scoring):
    hana, bea = client("hana.hub"), client("bea.board")
    task = open_task(db, scoring, "score_eois", "bea.board")
    refused = hana.post(f"/instances/{scoring}/hold", json={})
    assert refused.status_code == 400 and "reason" in refused.json["error"]["fields"]
    assert client("sam.sponsor").post(f"/instances/{scoring}/hold", json={"reason": "x"}).status_code == 403
    assert client("ivy.medtech").post(f"/instances/{scoring}/hold", json={"reason": "x"}).status_code in (403, 404)

    held = hana.post(f"/instances/{scoring}/hold", json={"reason": "Funding under review"})
    assert held.status_code == 200 and held.json["status"] == "on_hold" and held.json["id"] == scoring
    assert hana.post(f"/instances/{scoring}/hold", json={"reason": "again"}).status_code == 409
    assert scoring in [i["id"] for i in hana.get("/instances?status=on_hold").json["instances"]]
    assert bea.complete(task, answers(bea, task, clock, SCORES)).status_code == 409

    resumed = hana.post(f"/instances/{scoring}/resume", json={})
    assert resumed.status_code == 200 and resumed.json["status"] == "running"
    assert hana.post(f"/instances/{scoring}/resume", json={}).status_code == 409
    assert scoring not in [i["id"] for i in hana.get("/instances?status=on_hold").json["instances"]]
    assert bea.complete(task, answers(bea, task, clock, SCORES)).status_code == 200
    kinds = [e["kind"] for e in client("aud.auditor").get(f"/instances/{scoring}/events").json["events"]]
    assert "instance_held" in kinds and "instance_resumed" in kinds
    assert_record_verifies(db)


def test_stopping_a_project_cancels_its_open_tasks(db, clock, client, scoring):
    hana, bea = client("hana.hub"), client("bea.board")
    task = open_task(db, scoring, "score_eois", "bea.board")
    stopped = hana.post(f"/instances/{scoring}/stop", json={"reason": "The trust withdrew its support"})
    assert stopped.status_code == 200, stopped.json
    assert stopped.json["status"] == "stopped" and stopped.json["open_tasks"] == []
    assert task not in [t["id"] for t in bea.tasks()]
    assert bea.complete(task, SCORES).status_code in (404, 409)
    assert scoring in [i["id"] for i in hana.get("/instances?status=stopped").json["instances"]]
    assert hana.post(f"/instances/{scoring}/resume", json={}).status_code == 409
    assert_record_verifies(db)


def test_the_sponsor_withdraws_their_challenge_before_gate_1_only(db, clock, client, people):
    add_user(db, clock, "sue.sponsor", "sponsor")
    sam = client("sam.sponsor")
    project = sam.post("/instances", json={"process": "six_gates"}).json["id"]
    assert client("sue.sponsor").post(f"/instances/{project}/withdraw", json={"reason": "x"}).status_code in (403,
                                                                                                              404)
    assert client("hana.hub").post(f"/instances/{project}/withdraw", json={"reason": "x"}).status_code == 403
    assert sam.post(f"/instances/{project}/withdraw", json={"reason": ""}).status_code == 400
    withdrawn = sam.post(f"/instances/{project}/withdraw", json={"reason": "The trust found another way"})
    assert withdrawn.status_code == 200, withdrawn.json
    assert withdrawn.json["status"] == "withdrawn" and withdrawn.json["open_tasks"] == []
    assert project in [i["id"] for i in sam.get("/instances?status=withdrawn").json["instances"]]

    past_gate1 = people.start()
    people.walk(past_gate1, PLAN, stop_at="invite_partners")
    late = sam.post(f"/instances/{past_gate1}/withdraw", json={"reason": "No longer needed"})
    assert late.status_code == 409 and "Gate 1" in late.json["error"]["message"]
    assert_record_verifies(db)


# --- notifications and one's own settings ---------------------------------------------------------------

def test_a_person_reads_their_notifications_and_marks_them_read(db, client, scoring):
    bea, ivy = client("bea.board"), client("ivy.medtech")
    listed = bea.get("/notifications").json
    ready = [n for n in listed["notifications"] if n["kind"] == "task_ready"]
    assert ready and listed["unread"] == len(listed["notifications"]) and not any(n["read"] for n in ready)
    assert f"/tasks/{open_task(db, scoring, 'score_eois', 'bea.board')}" in [n["link"] for n in ready]
    first = listed["notifications"][0]["id"]

    assert ivy.post("/notifications/read", json={"ids": [first]}).json == {"marked": 0}  # not hers
    assert bea.post("/notifications/read", json={"ids": [first]}).json == {"marked": 1}
    again = bea.get("/notifications").json
    assert again["unread"] == listed["unread"] - 1
    assert first not in [n["id"] for n in bea.get("/notifications?unread=true").json["notifications"]]
    assert bea.post("/notifications/read", json={}).json == {"marked": listed["unread"] - 1}
    assert bea.get("/notifications").json["unread"] == 0
    assert len(bea.get("/notifications?limit=1").json["notifications"]) == 1
    for bad in ({"ids": "all"}, {"ids": [1.5]}, {"ids": [True]}):
        assert bea.post("/notifications/read", json=bad).status_code == 400, bad
    assert bea.get("/notifications?unread=maybe").status_code == 400
    competitor = " ".join(n["subject"] + n["body"] for n in ivy.get("/notifications").json["notifications"])
    assert seed.DATAHEALTH not in competitor and "ian.datahealth" not in competitor


def test_preferences_take_known_kinds_and_deliveries_only(client, people):
    bea = client("bea.board")
    before = bea.get("/me/preferences").json
    assert set(before["preferences"].values()) == {"immediately"} and set(before["kinds"]) == set(
        before["preferences"]) and set(before["deliveries"]) == {"immediately", "daily", "off"}
    chosen = bea.client.put("/api/v1/me/preferences", headers=bea.headers, json={"due_soon": "daily",
                                                                                "overdue": "off"})
    assert chosen.status_code == 200
    assert (chosen.json["preferences"]["due_soon"], chosen.json["preferences"]["overdue"]) == ("daily", "off")
    for bad, field in (({"bogus": "daily"}, "bogus"), ({"due_soon": "weekly"}, "due_soon"),
                       ({"due_soon": ["daily"]}, "due_soon")):
        refused = bea.client.put("/api/v1/me/preferences", headers=bea.headers, json=bad)
        assert refused.status_code == 400 and field in refused.json["error"]["fields"], bad
    assert bea.get("/me/preferences").json["preferences"] == chosen.json["preferences"]
    assert client("ben.board").get("/me/preferences").json["preferences"]["due_soon"] == "immediately"


def test_a_delegate_is_a_colleague_for_a_valid_range(client, people):
    bea = client("bea.board")

    def put(body):
        return bea.client.put("/api/v1/me/delegation", headers=bea.headers, json=body)
    assert bea.get("/me/delegation").json == {"delegation": None}
    good = {"delegate": "ben.board", "starts_on": "2026-03-02", "ends_on": "2026-03-16"}
    for bad, field in (({**good, "starts_on": "2 March"}, "starts_on"), ({**good, "ends_on": "2026-02-30"}, "ends_on"),
                       ({**good, "ends_on": "2026-03-01"}, "ends_on"), ({**good, "delegate": "bea.board"}, "delegate"),
                       ({**good, "delegate": "cleo.clinical"}, "delegate"), ({**good, "delegate": ""}, "delegate"),
                       ({**good, "ends_on": "2028-03-16"}, "ends_on")):
        refused = put(bad)
        assert refused.status_code in (400, 422) and field in refused.json["error"]["fields"], (bad, refused.json)
    assert bea.get("/me/delegation").json == {"delegation": None}

    named = put(good)
    assert named.status_code == 200, named.json
    assert named.json["delegation"] == {"delegate": "ben.board", "delegate_name": "Ben Ahmed",
                                        "starts_on": "2026-03-02", "ends_on": "2026-03-16", "in_force": True}
    assert bea.get("/me/delegation").json == named.json
    assert bea.client.delete("/api/v1/me/delegation", headers=bea.headers).json == {"ended": True}
    assert bea.get("/me/delegation").json == {"delegation": None}
    assert bea.client.delete("/api/v1/me/delegation", headers=bea.headers).json == {"ended": False}


def test_a_person_sets_and_clears_their_own_email(client, people):
    bea = client("bea.board")

    def put(email):
        return bea.client.put("/api/v1/me/email", headers=bea.headers, json={"email": email})
    assert put("bea.williams@nhs.net").json == {"email": "bea.williams@nhs.net"}
    for bad in ("not an address", "bea@", 42):
        refused = put(bad)
        assert refused.status_code == 400 and "email" in refused.json["error"]["fields"], bad
    assert put("").json == {"email": None}


def test_my_projects_shows_a_partner_only_their_own_eoi(db, client, people):
    project = people.start()
    people.walk(project, PLAN, stop_at="submit_eoi")
    with db.reading() as s:
        eois = {t.organisations.strip("|"): t.id for t in s.scalars(select(Task).where(
            Task.instance_id == project, Task.bpmn_id == "submit_eoi", Task.state == "ready"))}
    assert set(eois) == {seed.MEDTECH, seed.DATAHEALTH}
    for username, own, competitor in (("ivy.medtech", seed.MEDTECH, seed.DATAHEALTH),
                                      ("ian.datahealth", seed.DATAHEALTH, seed.MEDTECH)):
        [mine] = [p for p in client(username).get("/me/projects").json["projects"] if p["id"] == project]
        waiting = [w["task_id"] for w in mine["waiting"]]
        assert eois[own] in waiting and eois[competitor] not in waiting, username
        assert mine["may_withdraw"] is False
    sam = client("sam.sponsor")
    fresh = sam.post("/instances", json={"process": "six_gates"}).json["id"]
    projects = {p["id"]: p for p in sam.get("/me/projects").json["projects"]}
    assert projects[fresh]["may_withdraw"] is True and projects[project]["may_withdraw"] is False
    assert projects[project]["stage_name"] and projects[project]["status"] == "running"
    assert [w["yours"] for w in projects[fresh]["waiting"]] == [True]
    assert fresh not in [p["id"] for p in client("ivy.medtech").get("/me/projects").json["projects"]]
