"""Rule reports over real histories built through the services; breaches the app would refuse today
are made by rewriting the record directly, as an insider with database access could."""
import json

import pytest
from sqlalchemy import select

from demo import seed
from demo.walker import Walker
from engine import policy
from engine.errors import Forbidden, ValidationFailed
from engine.history import rule_reports
from engine.history.rule_reports import BREACH, KEPT, Filters
from engine.identity import accounts
from engine.store.models import AuditEvent
from engine.store.trail import SYSTEM_CHAIN

RETURN = {"gate4_decision": "return", "gate4_comments": "Costs unclear."}


def plan(**overrides):
    answers = seed.happy_path("Automated MDT preparation", "Multidisciplinary Team Efficiency")
    answers.update(overrides)
    return answers


def as_only(db, clock, username) -> Walker:
    """A walker in which only this person acts (still through every policy check)."""
    walker = Walker(db, clock)
    walker.users = [u for u in walker.users if u.username == username]
    return walker


def complete_as(db, clock, project, bpmn_id, username, answers=None):
    walker = as_only(db, clock, username)
    [task] = [t for t in walker.open_tasks(project)
              if t.bpmn_id == bpmn_id and policy.may_act_on(walker.users[0], t) is None]
    walker.complete(task, answers)


def report(db, clock, which, username="aud.auditor", **filters):
    """As the pages do it: the report is computed and the view goes on the record in one unit of work."""
    run, chosen = getattr(rule_reports, f"{which}_report"), Filters(**filters)
    return db.writing(lambda s: rule_reports.view_report(s, user=accounts.require_user(s, username), clock=clock,
                                                         report=run, name=which, filters=chosen))


def completion(db, project, bpmn_id, actor=None) -> AuditEvent:
    with db.reading() as s:
        stmt = select(AuditEvent).where(AuditEvent.instance_id == project, AuditEvent.task_name == bpmn_id,
                                        AuditEvent.kind == "task_completed")
        return s.scalars(stmt.where(AuditEvent.actor == actor) if actor else stmt).first()


def rewrite(db, event_id, **changes):
    def work(s):
        event = s.get(AuditEvent, event_id)
        for name, value in changes.items():
            setattr(event, name, value)
    db.writing(work)


def test_the_budget_approver_and_the_packs_preparer_are_read_from_the_four_eyes_report(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="report_pilot_outcomes")
    [check] = report(db, clock, "four_eyes").rows
    assert (check.project_id, check.approval.person, check.preparers) == (project, "fran.finance", ["hana.hub"])
    assert ("Budget committed (GBP)", 250000) in check.decision and ("Decision", "approve") in check.decision
    assert check.approval.seq == completion(db, project, "gate4_mobilisation_approval").seq
    assert check.same_person is False and check.verdict == KEPT
    assert "Prepare mobilisation pack" in str(check.rule)


def test_approving_a_pack_you_prepared_in_an_earlier_round_is_a_breach(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="prepare_mobilisation")
    complete_as(db, clock, project, "prepare_mobilisation", "hugo.hub")
    people.walk(project, plan(gate4_mobilisation_approval=RETURN), stop_at="prepare_mobilisation")
    clock.advance(days=1)
    people.walk(project, plan(), stop_at="gate4_mobilisation_approval")  # hana.hub prepares round two
    # The app bars every earlier preparer, so hugo.hub may not approve round two...
    with pytest.raises(ValueError):
        complete_as(db, clock, project, "gate4_mobilisation_approval", "hugo.hub")
    complete_as(db, clock, project, "gate4_mobilisation_approval", "fran.finance",
                {"gate4_decision": "approve", "budget_committed": 90000})
    # ...so the breach is made in the database, as someone editing the record would.
    with db.reading() as s:
        last = s.scalars(select(AuditEvent.id).where(
            AuditEvent.instance_id == project, AuditEvent.task_name == "gate4_mobilisation_approval",
            AuditEvent.kind == "task_completed").order_by(AuditEvent.seq.desc())).first()
    rewrite(db, last, actor="hugo.hub")
    returned, approved = report(db, clock, "four_eyes").rows
    assert returned.verdict == KEPT and returned.approval.person == "fran.finance"
    assert approved.verdict == BREACH and approved.preparers == ["hugo.hub", "hana.hub"]
    assert [p.seq for p in approved.offending] == [completion(db, project, "prepare_mobilisation", "hugo.hub").seq]
    assert approved.cells()[-2:] == ["yes", BREACH]


def test_a_rewritten_preparer_is_flagged_with_the_project_people_and_events(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="report_pilot_outcomes")
    prepared = completion(db, project, "prepare_mobilisation")
    rewrite(db, prepared.id, actor="fran.finance")
    [check] = report(db, clock, "four_eyes").rows
    assert check.verdict == BREACH and check.project_id == project
    assert check.people == ["fran.finance", "fran.finance"]
    assert [p.seq for p in check.offending] == [prepared.seq] and check.approval.seq > prepared.seq


def test_a_declared_conflict_whose_score_was_excluded_is_kept(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="gate2_partner_selection")
    result = report(db, clock, "conflicts")
    [check] = result.rows
    assert (check.score.person, check.partner, check.organisation) == ("bill.board", seed.MEDTECH, seed.MEDTECH)
    assert check.declared and not check.counted and check.verdict == KEPT
    assert result.checked == 6 and result.breaches == 0


def test_scoring_your_own_organisation_without_declaring_it_is_a_breach(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="gate2_partner_selection")
    scored = completion(db, project, "score_eois", "bill.board")
    undeclared = {"scores": [{"partner": seed.MEDTECH, "conflict_of_interest": False, "strategic_fit": 5}]}
    rewrite(db, scored.id, data_json=json.dumps(undeclared))
    [check] = report(db, clock, "conflicts").rows
    assert check.verdict == BREACH and "without declaring" in check.finding
    assert (check.project_id, check.score.person, check.score.seq) == (project, "bill.board", scored.seq)


def test_a_conflict_declared_after_a_counted_score_is_a_breach(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="score_eois")
    scores = {"partner": seed.MEDTECH, "conflict_of_interest": False, "strategic_fit": 5, "patient_impact": 5,
              "strength_of_evidence": 5, "deliverability": 5, "value_for_money": 5, "equity_of_access": 5}
    declared = {"partner": seed.MEDTECH, "conflict_of_interest": True, "conflict_reason": "Former employer."}
    with pytest.raises(ValidationFailed) as refused:  # the app takes one row per EoI...
        complete_as(db, clock, project, "score_eois", "ben.board", {"scores": [scores, declared]})
    assert "scores.1.partner" in refused.value.fields
    complete_as(db, clock, project, "score_eois", "ben.board", {"scores": [scores]})
    # ...so the second row is added to the record in the database, as someone editing it would.
    scored = completion(db, project, "score_eois", "ben.board")
    rewrite(db, scored.id, data_json=json.dumps({"scores": [scores, declared]}, sort_keys=True))
    found = report(db, clock, "conflicts", person="ben.board").rows
    assert [(c.score.person, c.verdict, c.counted) for c in found] == [("ben.board", BREACH, True)]
    assert found[0].reason == "Former employer." and "still counted" in found[0].finding


def test_the_organisation_is_the_one_the_scorer_belonged_to_when_scoring(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="gate2_partner_selection")
    clock.advance(days=1)
    db.writing(lambda s: accounts.set_organisation(s, "ben.board", organisation=seed.MEDTECH,
                                                   actor=accounts.require_user(s, "ada.admin"), clock=clock))
    assert report(db, clock, "conflicts", person="ben.board").rows == []


def test_actions_are_counted_per_role_and_person_with_the_events_behind_them(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="gate2_partner_selection")
    counts = report(db, clock, "actions").rows
    by_key = {(c.role, c.person, c.kind): c.count for c in counts}
    assert by_key[("board_member", "bea.board", "task_completed")] == 1
    assert by_key[("sponsor", "sam.sponsor", "task_completed")] == 1
    assert by_key[(rule_reports.NO_ROLE, "sam.sponsor", "instance_started")] == 1
    assert not any(c.person == "engine" for c in counts)
    detail = report(db, clock, "actions", person="bill.board", project=project).detail
    assert [(a.project_id, a.role, a.kind, a.task) for a in detail] == [
        (project, "board_member", "task_completed", "Score EoIs")]
    assert detail[0].seq == completion(db, project, "score_eois", "bill.board").seq


def test_filters_narrow_every_report_to_a_project_and_a_person(db, clock, people):
    first, second = people.start(), people.start()
    for project in (first, second):
        people.walk(project, plan(), stop_at="report_pilot_outcomes")
    assert [c.project_id for c in report(db, clock, "four_eyes", project=second).rows] == [second]
    assert len(report(db, clock, "four_eyes", person="hana.hub").rows) == 2
    assert report(db, clock, "four_eyes", person="bea.board").rows == []
    assert {c.project_id for c in report(db, clock, "conflicts", project=first).rows} == {first}


@pytest.mark.parametrize("username", ["hana.hub", "fran.finance", "bea.board", "ivy.medtech", "ada.admin"])
def test_only_auditors_may_read_the_rule_reports(db, clock, people, username):
    for which in ("four_eyes", "conflicts", "actions"):
        with pytest.raises(Forbidden):
            report(db, clock, which, username)
    assert report(db, clock, "four_eyes", "aud.auditor").rows == []


def test_an_auditors_view_of_a_report_is_on_the_record(db, clock, people):
    project = people.start()
    report(db, clock, "four_eyes", project=project)
    db.writing(lambda s: rule_reports.view_report(s, user=accounts.require_user(s, "aud.auditor"), clock=clock,
                                                  report=rule_reports.conflicts_report, name="conflicts",
                                                  filters=Filters(), download=True))
    with db.reading() as s:
        viewed = list(s.scalars(select(AuditEvent).where(AuditEvent.chain == SYSTEM_CHAIN,
                                                         AuditEvent.kind == "personal_data_viewed")))
    assert [(e.actor, json.loads(e.data_json)["instance"]) for e in viewed] == [
        ("aud.auditor", project), ("aud.auditor", None)]
    assert "four_eyes" in json.loads(viewed[0].data_json)["view"]
    assert "(CSV)" in json.loads(viewed[1].data_json)["view"]
