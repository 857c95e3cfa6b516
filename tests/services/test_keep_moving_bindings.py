"""What binds a task to people, across rounds and records: a board member scores a call once even after the chair
extends scoring; someone who scored in a member's place reads nothing of the project's later work; verification
finds an open task moved to another organisation."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from demo import seed
from engine.errors import BadRequest
from engine.history.verification import check_instance
from engine.identity import accounts, delegation
from engine.runtime.timers import fire_due
from engine.store.models import Task, User
from engine.tasks import completion, queries, reassignment
from tests.diagram.test_six_gates import plan

CALL = {"invited_partners": [seed.MEDTECH, seed.DATAHEALTH], "board_members": ["bea.board", "ben.board"],
        "call_closes_at": "2026-03-20", "scoring_closes_at": "2026-03-27"}
SCORES = {"scores": [{"partner": p, "conflict_of_interest": False, "strategic_fit": 4, "patient_impact": 4,
                      "strength_of_evidence": 3, "deliverability": 4, "value_for_money": 3, "equity_of_access": 4}
                     for p in (seed.MEDTECH, seed.DATAHEALTH)]}


def user(s, username) -> User:
    return accounts.require_user(s, username)


def scoring(db, project) -> list[Task]:
    with db.reading() as s:
        return list(s.scalars(select(Task).where(Task.instance_id == project, Task.bpmn_id == "score_eois",
                                                 Task.state == "ready")))


def complete(db, clock, username, task_id, data):
    db.writing(lambda s: completion.complete_task(s, user=user(s, username), task_id=task_id, data=data,
                                                  clock=clock))


def to_extended_scoring(db, clock, people) -> int:
    """Ben scores; Bea misses the deadline; the chair extends scoring for her alone."""
    project = people.start()
    people.walk(project, plan(invite_partners=CALL), stop_at="submit_eoi")
    people.walk(project, plan(), stop_at="score_eois")
    [bens] = [t for t in scoring(db, project) if t.assignee == "ben.board"]
    complete(db, clock, "ben.board", bens.id, SCORES)
    clock.set(clock.now().replace(month=3, day=28, hour=9, minute=0))
    assert fire_due(db, clock=clock) == 1
    with db.reading() as s:
        gate2 = s.scalars(select(Task.id).where(Task.instance_id == project, Task.state == "ready",
                                                Task.bpmn_id == "gate2_partner_selection")).one()
    complete(db, clock, "cara.chair", gate2, {"gate2_decision": "extend_scoring", "scoring_extended_to": "2026-04-03"})
    return project


def test_a_member_who_scored_before_the_extension_is_not_given_anothers_share(db, clock, people):
    project = to_extended_scoring(db, clock, people)
    [beas] = scoring(db, project)
    assert beas.assignee == "bea.board"
    with pytest.raises(BadRequest):
        db.writing(lambda s: reassignment.reassign_task(s, user=user(s, "hana.hub"), task_id=beas.id,
                                                        to="ben.board", reason="Bea is ill", clock=clock))



def test_a_delegate_who_scored_in_a_members_place_reads_no_later_work_of_the_project(db, clock, people):
    today = clock.now().date()  # Bea, on this board, names Bill (Medtech; not on it) her delegate: no Hub decision
    db.writing(lambda s: delegation.set_delegation(s, user=user(s, "bea.board"), delegate="bill.board",
                                                   starts_on=today, ends_on=today + timedelta(days=30), clock=clock))
    project = people.start()
    people.walk(project, plan(invite_partners=CALL), stop_at="submit_eoi")
    people.walk(project, plan(), stop_at="score_eois")
    [bills] = [t for t in scoring(db, project) if t.assignee == "bill.board"]
    people.walk(project, plan(), stop_at="gate3_hub_signoff")  # Bill scored; Gate 2; the specification drafted
    with db.reading() as s:
        context = queries.get_task(s, user=user(s, "bill.board"), task_id=bills.id).context
    assert not {"objectives", "solution_description", "gate2_comments"} & set(context)


def test_an_eoi_task_moved_to_a_competitor_in_the_database_is_found_by_verification(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="submit_eoi")
    [medtech] = [t for t in people.open_tasks(project) if t.organisations == f"|{seed.MEDTECH}|"]

    def tamper(s):
        s.get(Task, medtech.id).organisations = f"|{seed.DATAHEALTH}|"
    db.writing(tamper)
    with db.reading() as s:
        assert check_instance(s, project).problems != []
