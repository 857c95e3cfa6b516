"""The board's scoring deadline and a board member's delegate over the REST API, with bearer tokens: the Hub opens
a call with a scoring closing date, a board member who does not score by then is recorded as not scoring when the
worker fires the deadline, and the chair extends scoring for that member alone; a board member away names a
delegate, whose inbox takes her new scoring task. Every record verifies afterwards."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from demo import seed
from demo.answers import sample_answers
from engine.history import verification
from engine.identity import tokens
from engine.runtime.timers import fire_due
from engine.store.models import Task
from tests.conftest import Api, add_user

PLAN = seed.happy_path("Automated MDT preparation", "Multidisciplinary Team Efficiency")
CALL = {"invited_partners": [seed.MEDTECH, seed.DATAHEALTH], "board_members": ["bea.board", "ben.board"],
        "call_closes_at": "2026-03-20", "scoring_closes_at": "2026-03-27"}
SCORES = {"scores": [{"partner": partner, "conflict_of_interest": False, "strategic_fit": 4, "patient_impact": 4,
                      "strength_of_evidence": 3, "deliverability": 4, "value_for_money": 3, "equity_of_access": 4}
                     for partner in (seed.MEDTECH, seed.DATAHEALTH)]}


@pytest.fixture
def client(app, db, clock, people):
    """client('bea.board') -> an Api client for that demo user (or one added by the test)."""
    def make(username):
        return Api(app, db.writing(lambda s: tokens.create_token(s, username=username, actor="test", clock=clock)))
    return make


def answers(api: Api, task_id: str, clock, overrides=None) -> dict:
    task = api.get(f"/tasks/{task_id}").json
    return sample_answers(task["form"], overrides, today=clock.now().date(), context=task["context"])


def listed(api: Api, project: int, name: str) -> list[str]:
    """The ids of the tasks named `name` of this project in the caller's GET /tasks."""
    return [t["id"] for t in api.tasks() if t["instance_id"] == project and t["name"] == name]


def task_states(db, project: int, name: str) -> dict[str, str]:
    with db.reading() as s:
        rows = s.execute(select(Task.id, Task.state).where(Task.instance_id == project, Task.bpmn_id == name))
        return {task_id: state for task_id, state in rows}


def record_verifies(db, project: int) -> list:
    with db.reading() as s:
        return verification.check_instance(s, project, rerun=True).problems


def open_the_call(db, clock, client, people, call: dict) -> int:
    """A project at Invite partners, the call opened by Hana over the API, both partners' EoIs submitted."""
    project = people.start()
    people.walk(project, PLAN, stop_at="invite_partners")
    hana = client("hana.hub")
    [invite] = listed(hana, project, "invite_partners")
    opened = hana.complete(invite, answers(hana, invite, clock, call))
    assert opened.status_code == 200, opened.json
    people.walk(project, PLAN, stop_at="score_eois")
    return project


def test_a_member_who_misses_the_scoring_deadline_is_named_at_gate2_and_the_chair_extends_for_them(db, clock, client,
                                                                                                   people):
    project = open_the_call(db, clock, client, people, CALL)
    bea, ben, cara = client("bea.board"), client("ben.board"), client("cara.chair")
    [beas], [bens] = listed(bea, project, "score_eois"), listed(ben, project, "score_eois")
    scored = bea.complete(beas, answers(bea, beas, clock, SCORES))
    assert scored.status_code == 200, scored.json
    assert listed(cara, project, "gate2_partner_selection") == []  # Ben has until the end of 27 March

    clock.set(clock.now().replace(day=27, hour=23, minute=59))
    assert fire_due(db, clock=clock) == 0  # not a minute early
    assert listed(ben, project, "score_eois") == [bens]
    clock.set(clock.now().replace(day=28, hour=9, minute=0))
    assert fire_due(db, clock=clock) == 1
    assert listed(ben, project, "score_eois") == []
    assert ben.complete(bens, SCORES).status_code in (404, 409)

    [gate2] = listed(cara, project, "gate2_partner_selection")
    seen = cara.get(f"/tasks/{gate2}").json["context"]
    assert seen["members_not_scored"] == ["ben.board"]
    assert {b["board_member"]: b.get("not_scored", False) for b in seen["board_scores"]} == {
        "bea.board": False, "ben.board": True}
    assert seen["aggregated_scores"][seed.MEDTECH]["scorers"] == 1

    refused = cara.complete(gate2, {"gate2_decision": "extend_scoring"})  # no new date
    assert refused.status_code in (400, 422) and "scoring_extended_to" in refused.json["error"]["fields"]
    extended = cara.complete(gate2, {"gate2_decision": "extend_scoring", "scoring_extended_to": "2026-04-03"})
    assert extended.status_code == 200, extended.json
    assert listed(bea, project, "score_eois") == []  # Bea scored: she is not asked again
    [again] = listed(ben, project, "score_eois")
    assert again != bens and task_states(db, project, "score_eois")[bens] == "cancelled"
    assert cara.get(f"/instances/{project}").json["data"]["scoring_closes_at"] == "2026-04-03"

    done = ben.complete(again, answers(ben, again, clock, SCORES))
    assert done.status_code == 200, done.json
    [gate2_again] = listed(cara, project, "gate2_partner_selection")
    assert gate2_again != gate2
    seen = cara.get(f"/tasks/{gate2_again}").json["context"]
    assert seen["members_not_scored"] == []
    assert sorted(b["board_member"] for b in seen["board_scores"]) == ["bea.board", "ben.board"]
    assert not any(b.get("not_scored") for b in seen["board_scores"])
    assert seen["aggregated_scores"][seed.MEDTECH]["scorers"] == 2
    assert seen["aggregated_scores"][seed.DATAHEALTH]["scorers"] == 2
    assert record_verifies(db, project) == []


def test_scoring_is_not_extended_past_a_date_already_gone_nor_when_everyone_scored(db, clock, client, people):
    project = open_the_call(db, clock, client, people, CALL)
    bea, ben, cara = client("bea.board"), client("ben.board"), client("cara.chair")
    for member in (bea, ben):
        [task] = listed(member, project, "score_eois")
        assert member.complete(task, answers(member, task, clock, SCORES)).status_code == 200
    [gate2] = listed(cara, project, "gate2_partner_selection")
    assert cara.get(f"/tasks/{gate2}").json["context"]["members_not_scored"] == []
    refused = cara.complete(gate2, {"gate2_decision": "extend_scoring", "scoring_extended_to": "2026-04-03"})
    assert refused.status_code in (400, 422)
    assert refused.json["error"]["fields"] == {
        "gate2_decision": "Scoring can be extended only when a board member did not score."}
    assert listed(cara, project, "gate2_partner_selection") == [gate2]
    assert listed(bea, project, "score_eois") == listed(ben, project, "score_eois") == []

    late = open_the_call(db, clock, client, people, CALL)
    [beas] = listed(bea, late, "score_eois")
    assert bea.complete(beas, answers(bea, beas, clock, SCORES)).status_code == 200
    clock.set(clock.now().replace(day=28, hour=9, minute=0))
    assert fire_due(db, clock=clock) == 1
    [gate2] = listed(cara, late, "gate2_partner_selection")
    past = cara.complete(gate2, {"gate2_decision": "extend_scoring", "scoring_extended_to": "2026-03-27"})
    assert past.status_code in (400, 422) and "scoring_extended_to" in past.json["error"]["fields"]
    assert listed(ben, late, "score_eois") == []
    assert record_verifies(db, late) == []


def test_a_board_members_new_scoring_goes_to_the_delegate_she_named_over_the_api(db, clock, client, people):
    add_user(db, clock, "nia.board", "board_member")
    bea, nia = client("bea.board"), client("nia.board")
    named = bea.client.put("/api/v1/me/delegation", headers=bea.headers,
                           json={"delegate": "nia.board", "starts_on": "2026-03-02", "ends_on": "2026-03-16"})
    assert named.status_code == 200, named.json
    assert named.json["delegation"]["delegate"] == "nia.board" and named.json["delegation"]["in_force"] is True

    project = people.start()
    people.walk(project, PLAN, stop_at="score_eois")
    assert listed(bea, project, "score_eois") == []
    [task] = listed(nia, project, "score_eois")
    assert bea.get(f"/tasks/{task}").status_code in (403, 404)
    assert bea.complete(task, SCORES).status_code in (403, 404)
    assert task in [n["task_id"] for n in nia.get("/notifications").json["notifications"]]
    for colleague in ("ben.board", "bill.board"):  # the members still in the office keep their own
        assert len(listed(client(colleague), project, "score_eois")) == 1

    done = nia.complete(task, answers(nia, task, clock, SCORES))
    assert done.status_code == 200, done.json
    assert listed(nia, project, "score_eois") == []
    events = client("aud.auditor").get(f"/instances/{project}/events").json["events"]
    [moved] = [e for e in events if e["kind"] == "task_reassigned"]
    assert (moved["task_id"], moved["data"]["from"], moved["data"]["to"], moved["data"]["delegated"]) == (
        task, "bea.board", "nia.board", True)
    scorers = [e["actor"] for e in events if e["kind"] == "task_completed" and e["task"] == "score_eois"]
    assert "nia.board" in scorers and "bea.board" not in scorers
    assert record_verifies(db, project) == []

    assert bea.client.delete("/api/v1/me/delegation", headers=bea.headers).json == {"ended": True}
    later = people.start()
    people.walk(later, PLAN, stop_at="score_eois")
    assert len(listed(bea, later, "score_eois")) == 1 and listed(nia, later, "score_eois") == []


def test_the_delegate_is_told_who_is_away_not_that_the_hub_team_gave_them_the_task(db, clock, client, people):
    add_user(db, clock, "nia.board", "board_member")
    bea, nia = client("bea.board"), client("nia.board")
    assert bea.client.put("/api/v1/me/delegation", headers=bea.headers, json={
        "delegate": "nia.board", "starts_on": "2026-03-02", "ends_on": "2026-03-16"}).status_code == 200
    project = people.start()
    people.walk(project, PLAN, stop_at="score_eois")
    [task] = listed(nia, project, "score_eois")
    [told] = [n for n in nia.get("/notifications").json["notifications"] if n["task_id"] == task]
    assert "Hub team" not in told["body"]  # nobody at the Hub did anything: Bea is away
    assert "Bea Williams" in told["body"]
