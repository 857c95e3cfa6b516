"""Answers carried forward: a form reached again in a loop starts from the last answers given to that same step of
the project (never another partner's, never a past decision), and propose starts a project only on submission."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from demo import seed
from engine.errors import ValidationFailed
from engine.runtime import instances, proposals
from engine.store.models import ProcessInstance, Task, User
from engine.tasks import queries

MEDTECH, DATAHEALTH = seed.MEDTECH, seed.DATAHEALTH


def user(session, username) -> User:
    return session.scalars(select(User).where(User.username == username)).one()


def detail_of(db, username, task_id) -> queries.TaskDetail:
    with db.reading() as session:
        return queries.get_task(session, user=user(session, username), task_id=task_id)


def open_task(walker, project, bpmn_id, **where) -> Task:
    return next(t for t in walker.open_tasks(project) if t.bpmn_id == bpmn_id
                and all(getattr(t, k) == v for k, v in where.items()))


def fire(db, clock, project):
    db.writing(lambda s: instances.fire_timers(s, instance_id=project, clock=clock))


def test_after_a_gate1_deferral_the_definition_starts_from_its_last_answers(db, clock, people):
    walker = people
    project = walker.start()
    plan = seed.happy_path("Faster lung referrals", "Pathway Delays")
    plan["define_challenge"] = {"pathway": "proof_of_value", "problem_statement": "Referrals wait too long."}
    walker.walk(project, plan, stop_at="gate1_prioritisation")
    walker.complete(open_task(walker, project, "gate1_prioritisation"),
                    {"gate1_decision": "defer", "review_date": "2026-03-20", "gate1_comments": "Next quarter."})
    clock.advance(days=20)
    fire(db, clock, project)

    again = detail_of(db, "hana.hub", open_task(walker, project, "define_challenge").id)
    assert again.carried is not None and again.draft is None
    assert again.carried.answers["problem_statement"] == "Referrals wait too long."
    assert again.carried.given_at == datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)

    walker.complete(open_task(walker, project, "define_challenge"), {"pathway": "proof_of_value"})
    gate1 = detail_of(db, "hana.hub", open_task(walker, project, "gate1_prioritisation").id)
    assert gate1.carried is None  # a gate's decision and its reasons are made afresh


def test_a_reopened_call_offers_each_partner_its_own_eoi_and_never_a_competitors(db, clock, people):
    walker = people
    project = walker.start()
    plan = seed.happy_path("Faster lung referrals", "Pathway Delays")
    plan["submit_eoi"] = lambda data, me: {"solution_name": f"{me.organisation_name} triage"}
    plan["gate2_partner_selection"] = {"gate2_decision": "reopen", "gate2_comments": "Ask again."}
    walker.walk(project, plan, stop_at="gate2_partner_selection")
    walker.complete(open_task(walker, project, "gate2_partner_selection"), plan["gate2_partner_selection"])

    invite = detail_of(db, "hana.hub", open_task(walker, project, "invite_partners").id)
    assert invite.carried.answers["invited_partners"] == [MEDTECH, DATAHEALTH]
    walker.complete(open_task(walker, project, "invite_partners"), plan["invite_partners"])

    eois = {t.organisations: t for t in walker.open_tasks(project) if t.bpmn_id == "submit_eoi"}
    medtech = next(t for orgs, t in eois.items() if MEDTECH in orgs)
    datahealth = next(t for orgs, t in eois.items() if DATAHEALTH in orgs)
    assert detail_of(db, "ivy.medtech", medtech.id).carried.answers["solution_name"] == f"{MEDTECH} triage"
    assert detail_of(db, "ian.datahealth", datahealth.id).carried.answers["solution_name"] == f"{DATAHEALTH} triage"
    assert "declaration" not in detail_of(db, "ivy.medtech", medtech.id).carried.answers  # declared each time


def test_a_saved_draft_comes_before_the_last_answers(db, clock, people):
    from engine.tasks import claims
    walker = people
    project = walker.start()
    plan = seed.happy_path("Faster lung referrals", "Pathway Delays")
    walker.walk(project, plan, stop_at="gate1_prioritisation")
    walker.complete(open_task(walker, project, "gate1_prioritisation"),
                    {"gate1_decision": "defer", "review_date": "2026-03-20"})
    clock.advance(days=20)
    fire(db, clock, project)
    task_id = open_task(walker, project, "define_challenge").id
    db.writing(lambda s: claims.save_draft(s, user=user(s, "hana.hub"), task_id=task_id,
                                           data={"scope": "Half done"}, clock=clock))
    detail = detail_of(db, "hana.hub", task_id)
    assert detail.draft == {"scope": "Half done"} and detail.carried is None


def count(db, model) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_proposing_starts_nothing_until_the_answers_are_accepted(db, clock, people):
    before = count(db, ProcessInstance), count(db, Task)
    first = db.writing(lambda s: proposals.first_form(s, user=user(s, "sam.sponsor"), process_key="six_gates",
                                                      clock=clock))
    assert first.form["title"] == "Propose a challenge" and "challenge_area" in first.form["properties"]
    with pytest.raises(ValidationFailed):
        db.writing(lambda s: proposals.propose(s, user=user(s, "sam.sponsor"), process_key="six_gates",
                                               data={"title": ""}, clock=clock))
    assert (count(db, ProcessInstance), count(db, Task)) == before

    answers = walker_answers(db, clock, people)
    project = db.writing(lambda s: proposals.propose(s, user=user(s, "sam.sponsor"), process_key="six_gates",
                                                     data=answers, clock=clock).id)
    with db.reading() as session:
        instance = session.get(ProcessInstance, project)
        done = session.scalars(select(Task).where(Task.instance_id == project, Task.state == "completed")).all()
        assert instance.started_by == "sam.sponsor" and instance.title == "Faster lung referrals"
        assert [t.bpmn_id for t in done] == ["propose_challenge"] and done[0].completed_by == "sam.sponsor"


def walker_answers(db, clock, people) -> dict:
    """Answers the propose form accepts, as the demo walker makes them."""
    from demo.answers import sample_answers
    with db.reading() as session:
        form = proposals.first_form(session, user=user(session, "sam.sponsor"), process_key="six_gates", clock=clock)
    return sample_answers(form.form, {"title": "Faster lung referrals", "challenge_area": "Pathway Delays"},
                          today=clock.now().date(), context={})


def test_a_returned_mobilisation_pack_comes_back_as_it_was_for_rework(db, clock, people):
    walker = people
    project = walker.start()
    plan = seed.happy_path("Faster lung referrals", "Pathway Delays")
    plan["prepare_mobilisation"] = {**plan["prepare_mobilisation"], "governance": "A monthly project board."}
    walker.walk(project, plan, stop_at="gate4_mobilisation_approval")
    walker.complete(open_task(walker, project, "gate4_mobilisation_approval"),
                    {"gate4_decision": "return", "gate4_comments": "Name the clinical safety officer."})

    rework = open_task(walker, project, "prepare_mobilisation")
    carried = detail_of(db, walker.actor_for(rework).username, rework.id).carried
    assert carried.answers["governance"] == "A monthly project board."
    assert carried.answers["nhs_contribution"] == 100000 and carried.answers["industry_contribution"] == 150000
