"""The six-gates procedure through the service layer, on a real database, as the right people."""
import json

import pytest
from sqlalchemy import select

from demo import seed
from engine.errors import Forbidden, NotFound
from engine.identity import accounts
from engine.runtime.timers import fire_due
from engine.store.models import AuditEvent, ProcessInstance, Task, User
from engine.tasks import completion, queries


def plan(**overrides):
    answers = seed.happy_path("Faster lung cancer referrals", "Early Diagnosis & Screening")
    answers.update(overrides)
    return answers


def instance(db, instance_id) -> ProcessInstance:
    with db.reading() as s:
        found = s.get(ProcessInstance, instance_id)
        found.data = json.loads(found.data_json)
        return found


def completed(db, instance_id) -> list[str]:
    """The user tasks completed, in the order the audit trail recorded them."""
    with db.reading() as s:
        return list(s.scalars(select(AuditEvent.task_name).where(
            AuditEvent.instance_id == instance_id, AuditEvent.kind == "task_completed").order_by(AuditEvent.seq)))


def test_happy_path_runs_every_gate_and_closes_after_kpi_returns(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="submit_kpi_return")
    while instance(db, project).status == "running":
        clock.advance(days=31)
        fire_due(db, clock=clock)
        people.walk(project, plan())
    done = completed(db, project)
    for gate in ("gate1_prioritisation", "gate2_partner_selection", "gate3_hub_signoff", "gate3_clinical_signoff",
                 "gate4_mobilisation_approval", "gate5_evidence_gate", "gate6_dmbc"):
        assert gate in done
    assert done.count("submit_kpi_return") == 2 and done[-2:] == ["close_project", "record_lessons_learned"]
    final = instance(db, project)
    assert final.stage == "closed" and final.data["project_outcome"] == "completed"
    assert final.data["gate5_recommendation"] == "proceed"


@pytest.mark.parametrize("decision, extra, outcome", [
    ("reject", {"gate1_reason": "Out of scope for the Hub."}, "rejected_at_gate1"),
])
def test_gate1_reject_ends_with_lessons_learned(db, people, decision, extra, outcome):
    project = people.start()
    people.walk(project, plan(gate1_prioritisation={"gate1_decision": decision, **extra}))
    assert completed(db, project)[-1] == "record_lessons_learned"
    assert instance(db, project).data["project_outcome"] == outcome


def test_gate1_defer_waits_for_the_review_date_then_comes_back(db, clock, people):
    project = people.start()
    deferred = plan(gate1_prioritisation={"gate1_decision": "defer", "review_date": "2026-04-15"})
    people.walk(project, deferred)
    assert people.open_tasks(project) == []
    assert fire_due(db, clock=clock) == 0  # not yet due
    clock.set(clock.now().replace(month=4, day=15, hour=10))
    assert fire_due(db, clock=clock) == 1
    assert [t.bpmn_id for t in people.open_tasks(project)] == ["define_challenge"]
    people.walk(project, plan(), stop_at="invite_partners")
    assert completed(db, project).count("gate1_prioritisation") == 2


def test_deadline_closes_unanswered_eois_and_keeps_the_answered_ones(db, clock, people):
    project = people.start()
    people.walk(project, plan(invite_partners={
        "invited_partners": [seed.MEDTECH, seed.DATAHEALTH], "board_members": ["bea.board", "ben.board"],
        "call_closes_at": "2026-03-20"}), stop_at="submit_eoi")
    eois = people.open_tasks(project)
    assert len(eois) == 2 and all(t.bpmn_id == "submit_eoi" for t in eois)
    medtech_task = next(t for t in eois if seed.MEDTECH in t.organisations)
    people.complete(medtech_task, {"solution_name": "LungPath"})
    clock.set(clock.now().replace(day=21))
    assert fire_due(db, clock=clock) == 1
    with db.reading() as s:
        states = dict(s.execute(select(Task.organisations, Task.state).where(Task.bpmn_id == "submit_eoi")).all())
    assert states == {f"|{seed.MEDTECH}|": "completed", f"|{seed.DATAHEALTH}|": "cancelled"}
    data = instance(db, project).data
    assert data["submitted_partners"] == [seed.MEDTECH]
    by_partner = {e["partner"]: e for e in data["eois"]}
    assert by_partner[seed.MEDTECH]["submitted"] is True and by_partner[seed.DATAHEALTH]["submitted"] is False
    assert {t.bpmn_id for t in people.open_tasks(project)} == {"score_eois"}


def test_conflicted_board_members_score_is_excluded(db, people):
    project = people.start()
    people.walk(project, plan(), stop_at="gate2_partner_selection")
    scores = instance(db, project).data["aggregated_scores"]
    # bill.board works for Medtech and declared it: two scorers for Medtech, three for DataHealth.
    assert scores[seed.MEDTECH]["scorers"] == 2 and scores[seed.MEDTECH]["conflicted"] == 1
    assert scores[seed.DATAHEALTH]["scorers"] == 3 and scores[seed.DATAHEALTH]["conflicted"] == 0


def test_board_member_must_declare_a_conflict_with_their_own_organisation(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="score_eois")
    bill_task = next(t for t in people.open_tasks(project) if t.assignee == "bill.board")
    undeclared = {"scores": [{"partner": seed.MEDTECH, "conflict_of_interest": False, "strategic_fit": 5,
                              "patient_impact": 5, "strength_of_evidence": 5, "deliverability": 5,
                              "value_for_money": 5, "equity_of_access": 5}]}
    from engine.errors import ValidationFailed
    with pytest.raises(ValidationFailed) as caught:
        db.writing(lambda s: completion.complete_task(s, user=_user(s, "bill.board"), task_id=bill_task.id,
                                                   data=undeclared, clock=clock))
    assert "scores.0.conflict_of_interest" in caught.value.fields


def _user(session, username) -> User:
    return accounts.require_user(session, username)


def test_a_competing_partner_cannot_see_another_partners_eoi(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="submit_eoi")
    medtech_task = next(t for t in people.open_tasks(project) if seed.MEDTECH in t.organisations)
    with db.reading() as s:
        with pytest.raises(NotFound):
            queries.get_task(s, user=_user(s, "ian.datahealth"), task_id=medtech_task.id)
        assert [t.id for t in queries.list_tasks(s, user=_user(s, "ian.datahealth"))] != [medtech_task.id]
    people.walk(project, plan(), stop_at="gate2_partner_selection")
    with db.reading() as s:
        from engine.runtime.instance_queries import instance_detail
        seen = instance_detail(s, user=_user(s, "ian.datahealth"), instance_id=project)["data"]
    assert [e["partner"] for e in seen["eois"]] == [seed.DATAHEALTH]
    assert "aggregated_scores" not in seen and "board_scores" not in seen


def test_gate4_is_refused_to_the_person_who_prepared_the_pack(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="prepare_mobilisation")
    [prepare] = people.open_tasks(project)
    # hugo.hub holds hub_team and finance_approver: he prepares the pack...
    db.writing(lambda s: completion.complete_task(
        s, user=_user(s, "hugo.hub"), task_id=prepare.id, clock=clock,
        data=_sample(s, "hugo.hub", prepare.id)))
    [gate4] = people.open_tasks(project)
    assert gate4.excluded_users == "|hugo.hub|"
    with pytest.raises(Forbidden, match="Four-eyes"):
        db.writing(lambda s: completion.complete_task(s, user=_user(s, "hugo.hub"), task_id=gate4.id, clock=clock,
                                                   data={"gate4_decision": "approve", "budget_committed": 1}))
    with db.reading() as s:
        assert gate4.id not in [t.id for t in queries.list_tasks(s, user=_user(s, "hugo.hub"))]
        assert gate4.id in [t.id for t in queries.list_tasks(s, user=_user(s, "fran.finance"))]


def test_gate4_is_refused_to_everyone_who_prepared_the_pack_in_any_round(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="prepare_mobilisation")
    [prepare] = people.open_tasks(project)
    db.writing(lambda s: completion.complete_task(s, user=_user(s, "hugo.hub"), task_id=prepare.id, clock=clock,
                                               data=_sample(s, "hugo.hub", prepare.id)))
    people.walk(project, plan(gate4_mobilisation_approval={"gate4_decision": "return",
                                                           "gate4_comments": "Costs unclear."}),
                stop_at="prepare_mobilisation")
    [again] = people.open_tasks(project)
    db.writing(lambda s: completion.complete_task(s, user=_user(s, "hana.hub"), task_id=again.id, clock=clock,
                                               data=_sample(s, "hana.hub", again.id)))
    [gate4] = people.open_tasks(project)
    assert gate4.excluded_users == "|hana.hub|hugo.hub|"
    with pytest.raises(Forbidden, match="Four-eyes"):  # hugo prepared round one: still barred
        db.writing(lambda s: completion.complete_task(s, user=_user(s, "hugo.hub"), task_id=gate4.id, clock=clock,
                                                   data={"gate4_decision": "approve", "budget_committed": 1}))


def _sample(session, username, task_id):
    from demo.answers import sample_answers
    detail = queries.get_task(session, user=_user(session, username), task_id=task_id)
    return sample_answers(detail.form)


@pytest.mark.parametrize("gate, loop_decision, back_to, passes", [
    ("gate2_partner_selection", {"gate2_decision": "reopen"}, "invite_partners", 3),
    ("gate3_hub_signoff", {"gate3_hub_decision": "rework"}, "draft_specification", 25),
    ("gate4_mobilisation_approval", {"gate4_decision": "return", "gate4_comments": "Costs unclear."},
     "prepare_mobilisation", 25),
    ("gate6_dmbc", {"gate6_decision": "revise", "gate6_comments": "Strengthen the economic case."},
     "prepare_business_case", 25),
])
def test_gate_loops_return_to_the_right_step_many_times(db, people, gate, loop_decision, back_to, passes):
    project = people.start()
    people.walk(project, plan(), stop_at=gate)
    looping = plan(**{gate: loop_decision})
    for _ in range(passes):
        people.walk(project, looping, stop_at=back_to)
        people.walk(project, looping, stop_at=gate) if back_to != gate else None
    people.walk(project, plan(), stop_at="record_lessons_learned" if gate == "gate6_dmbc" else "gate5_evidence_gate")
    assert completed(db, project).count(gate) == passes + 1


@pytest.mark.parametrize("gate, decision, outcome", [
    ("gate2_partner_selection", {"gate2_decision": "close", "gate2_comments": "No suitable partner."},
     "closed_at_gate2"),
    ("gate6_dmbc", {"gate6_decision": "reject", "gate6_comments": "Not affordable."}, "rejected_at_gate6"),
])
def test_stopping_gates_end_with_lessons_learned(db, people, gate, decision, outcome):
    project = people.start()
    people.walk(project, plan(**{gate: decision}))
    assert completed(db, project)[-1] == "record_lessons_learned"
    assert instance(db, project).data["project_outcome"] == outcome


def test_a_proven_initiative_skips_the_pilot(db, people):
    project = people.start()
    people.walk(project, plan(define_challenge={"pathway": "scale_proven"}), stop_at="prepare_business_case")
    done = completed(db, project)
    assert "gate4_mobilisation_approval" in done
    assert "report_pilot_outcomes" not in done and "gate5_evidence_gate" not in done


MISSED = {"measured_outcomes": [{"measure": "28-day Faster Diagnosis Standard", "measured": 70},
                                {"measure": "Median time to MDT", "measured": 25}]}
HALF = {"measured_outcomes": [{"measure": "28-day Faster Diagnosis Standard", "measured": 82},
                              {"measure": "Median time to MDT", "measured": 25}]}


def test_evidence_gate_recommends_stop_when_outcomes_miss_and_the_panel_confirms(db, people):
    project = people.start()
    people.walk(project, plan(report_pilot_outcomes=MISSED))
    data = instance(db, project).data
    assert data["gate5_recommendation"] == "stop" and data["project_outcome"] == "stopped_at_gate5"


def test_evidence_gate_extends_the_pilot_at_most_twice_then_stops(db, people):
    project = people.start()
    people.walk(project, plan(report_pilot_outcomes=HALF))
    data = instance(db, project).data
    # Half the outcomes met: extend, extend, then no extension is left and the table says stop.
    assert completed(db, project).count("report_pilot_outcomes") == 3
    assert data["pilot_extensions"] == 2 and data["project_outcome"] == "stopped_at_gate5"


def test_an_extension_beyond_the_limit_is_refused_and_returns_to_the_panel(db, people):
    project = people.start()
    people.walk(project, plan(report_pilot_outcomes=HALF), stop_at="gate5_evidence_gate")
    for _ in range(2):  # use up both extensions
        people.walk(project, plan(report_pilot_outcomes=HALF), stop_at="report_pilot_outcomes")
        people.walk(project, plan(report_pilot_outcomes=HALF), stop_at="gate5_evidence_gate")
    one_more = {"gate5_confirm": False, "gate5_decision": "extend",
                "gate5_justification": "The last month was disrupted by a strike."}
    [gate5] = people.open_tasks(project)
    people.complete(gate5, one_more)
    [again] = people.open_tasks(project)
    assert again.bpmn_id == "gate5_evidence_gate" and again.id != gate5.id
    assert instance(db, project).data["gate5_refusal_reason"]


def test_evidence_panel_can_override_with_a_justification(db, people):
    project = people.start()
    override = {"gate5_confirm": False, "gate5_decision": "proceed",
                "gate5_justification": "The MDT measure was disrupted by a national IT outage."}
    people.walk(project, plan(report_pilot_outcomes=MISSED, gate5_evidence_gate=override),
                stop_at="prepare_business_case")
    data = instance(db, project).data
    assert data["gate5_recommendation"] == "stop" and data["gate5_decision"] == "proceed"


def test_three_board_members_scoring_in_turn_from_stale_reads_all_succeed(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="score_eois")
    scoring = [t for t in people.open_tasks(project) if t.bpmn_id == "score_eois"]
    assert len(scoring) == 3
    for task in scoring:
        people.complete(task, plan()["score_eois"])
    assert [t.bpmn_id for t in people.open_tasks(project)] == ["gate2_partner_selection"]


def test_a_comment_from_an_earlier_round_does_not_stay_beside_a_new_decision(db, people):
    project = people.start()
    people.walk(project, plan(), stop_at="gate4_mobilisation_approval")
    people.walk(project, plan(gate4_mobilisation_approval={"gate4_decision": "return", "gate4_comments": "Costs?"}),
                stop_at="prepare_mobilisation")
    people.walk(project, plan(), stop_at="gate4_mobilisation_approval")
    [gate4] = people.open_tasks(project)
    db.writing(lambda s: completion.complete_task(s, user=_user(s, "fran.finance"), task_id=gate4.id,
                                                  clock=people.clock,
                                                  data={"gate4_decision": "approve", "budget_committed": 90000}))
    assert instance(db, project).data["gate4_comments"] is None


def test_board_members_do_not_see_each_others_scores(db, people):
    project = people.start()
    people.walk(project, plan(), stop_at="gate2_partner_selection")
    from engine.runtime.instance_queries import instance_detail
    with db.reading() as s:
        member = instance_detail(s, user=_user(s, "bea.board"), instance_id=project)["data"]
        chair = instance_detail(s, user=_user(s, "cara.chair"), instance_id=project)["data"]
    assert [score["board_member"] for score in member["board_scores"]] == ["bea.board"]  # their own only
    assert "aggregated_scores" not in member and "partner_ranking" not in member
    assert "aggregated_scores" in chair and len(chair["board_scores"]) == 3 and member["eois"]


def test_the_history_does_not_show_a_board_member_the_others_scores(db, people):
    project = people.start()
    people.walk(project, plan(), stop_at="gate2_partner_selection")
    from engine.runtime.instance_queries import instance_events
    with db.reading() as s:
        seen = instance_events(s, user=_user(s, "bea.board"), instance_id=project)
        audited = instance_events(s, user=_user(s, "aud.auditor"), instance_id=project)
    scored = [e for e in seen if e["kind"] == "task_completed" and e["task"] == "score_eois"]
    assert len(scored) == 3 and [("scores" in e["data"]) for e in scored] == [e["actor"] == "bea.board" for e in scored]
    assert all("scores" in e["data"] for e in audited if e["kind"] == "task_completed" and e["task"] == "score_eois")


# --- the board's scoring deadline ----------------------------------------------------------

LATE_CALL = {"invited_partners": [seed.MEDTECH, seed.DATAHEALTH], "board_members": ["bea.board", "ben.board",
             "bill.board"], "call_closes_at": "2026-03-20", "scoring_closes_at": "2026-03-27"}


def bill_never_scores(db, clock, people) -> int:
    """Both partners answer, Bea and Ben score, Bill never does; scoring closes at the end of 27 March."""
    project = people.start()
    people.walk(project, plan(invite_partners=LATE_CALL), stop_at="score_eois")
    for task in [t for t in people.open_tasks(project) if t.assignee in ("bea.board", "ben.board")]:
        people.complete(task, plan()["score_eois"])
    [bills] = people.open_tasks(project)
    assert (bills.bpmn_id, bills.assignee) == ("score_eois", "bill.board")
    clock.set(clock.now().replace(day=27, hour=23, minute=59))
    assert fire_due(db, clock=clock) == 0  # not before the end of the day
    clock.set(clock.now().replace(day=28, hour=9, minute=0))
    assert fire_due(db, clock=clock) == 1
    with db.reading() as s:
        assert s.get(Task, bills.id).state == "cancelled"
    return project


def _chair_sees(db, project) -> tuple[Task, dict]:
    [gate2] = [t for t in _open(db, project) if t.bpmn_id == "gate2_partner_selection"]
    with db.reading() as s:
        detail = queries.get_task(s, user=_user(s, "cara.chair"), task_id=gate2.id)
        return gate2, detail.context


def _open(db, project) -> list[Task]:
    with db.reading() as s:
        return list(s.scalars(select(Task).where(Task.instance_id == project, Task.state == "ready")))


def _verified(db) -> bool:
    from engine.history import verification
    with db.reading() as s:
        return verification.verify(s, user=_user(s, "aud.auditor")).problems == []


def test_a_board_member_who_never_scores_is_recorded_as_not_scoring_and_gate2_goes_ahead(db, clock, people):
    project = bill_never_scores(db, clock, people)
    gate2, seen = _chair_sees(db, project)
    assert seen["members_not_scored"] == ["bill.board"]  # the chair is told who did not score
    scores = seen["aggregated_scores"]
    assert scores[seed.MEDTECH]["scorers"] == 2 and scores[seed.MEDTECH]["conflicted"] == 0  # Bill's gone
    assert scores[seed.DATAHEALTH]["scorers"] == 2
    assert {b["board_member"]: b.get("not_scored", False) for b in seen["board_scores"]} == {
        "bea.board": False, "ben.board": False, "bill.board": True}
    assert _verified(db)  # the re-run from the trail fires the deadline the same way
    people.walk(project, plan(), stop_at="draft_specification")
    assert instance(db, project).data["selected_partners"] == [seed.MEDTECH]


def test_the_chair_extends_scoring_and_only_the_late_member_is_asked_again(db, clock, people):
    project = bill_never_scores(db, clock, people)
    gate2, _ = _chair_sees(db, project)
    db.writing(lambda s: completion.complete_task(s, user=_user(s, "cara.chair"), task_id=gate2.id, clock=clock,
                                                  data={"gate2_decision": "extend_scoring",
                                                        "scoring_extended_to": "2026-04-03"}))
    [again] = _open(db, project)
    assert (again.bpmn_id, again.assignee) == ("score_eois", "bill.board")
    assert instance(db, project).data["scoring_closes_at"] == "2026-04-03"
    people.complete(again, plan()["score_eois"])
    _, seen = _chair_sees(db, project)
    assert seen["members_not_scored"] == [] and seen["scores_kept_aside"] == []
    assert sorted(b["board_member"] for b in seen["board_scores"]) == ["bea.board", "ben.board", "bill.board"]
    assert not any(b.get("not_scored") for b in seen["board_scores"])
    scores = seen["aggregated_scores"]  # everyone's scores, Bill's declared conflict with Medtech included
    assert scores[seed.MEDTECH]["scorers"] == 2 and scores[seed.MEDTECH]["conflicted"] == 1
    assert scores[seed.DATAHEALTH]["scorers"] == 3
    assert completed(db, project).count("gate2_partner_selection") == 1
    assert _verified(db)


def test_scoring_cannot_be_extended_when_everyone_scored_nor_without_a_new_date(db, clock, people):
    from engine.errors import ValidationFailed
    project = people.start()
    people.walk(project, plan(), stop_at="gate2_partner_selection")
    gate2, seen = _chair_sees(db, project)
    assert seen["members_not_scored"] == []
    with pytest.raises(ValidationFailed) as caught:
        db.writing(lambda s: completion.complete_task(s, user=_user(s, "cara.chair"), task_id=gate2.id, clock=clock,
                                                      data={"gate2_decision": "extend_scoring",
                                                            "scoring_extended_to": "2026-04-03"}))
    assert caught.value.fields == {"gate2_decision": "Scoring can be extended only when a board member did not score."}
    project = bill_never_scores(db, clock, people)
    gate2, _ = _chair_sees(db, project)
    with pytest.raises(ValidationFailed) as caught:
        db.writing(lambda s: completion.complete_task(s, user=_user(s, "cara.chair"), task_id=gate2.id, clock=clock,
                                                      data={"gate2_decision": "extend_scoring"}))
    assert "scoring_extended_to" in caught.value.fields


def test_the_scoring_closing_date_may_not_lie_before_the_call_closes_and_defaults_to_ten_days_after(db, clock,
                                                                                                    people):
    from engine.errors import ValidationFailed
    project = people.start()
    people.walk(project, plan(), stop_at="invite_partners")
    [invite] = people.open_tasks(project)
    early = dict(LATE_CALL, scoring_closes_at="2026-03-19")
    with pytest.raises(ValidationFailed) as caught:
        db.writing(lambda s: completion.complete_task(s, user=_user(s, "hana.hub"), task_id=invite.id, clock=clock,
                                                      data=early))
    assert caught.value.fields == {
        "scoring_closes_at": "Scoring closing date cannot be before the call closing date (2026-03-20)."}
    left_out = {k: v for k, v in LATE_CALL.items() if k != "scoring_closes_at"}
    db.writing(lambda s: completion.complete_task(s, user=_user(s, "hana.hub"), task_id=invite.id, clock=clock,
                                                  data=left_out))
    assert instance(db, project).data["scoring_closes_at"] is None
    people.walk(project, plan(), stop_at="score_eois")
    assert instance(db, project).data["scoring_closes_at"] == "2026-03-30"  # set when scoring opens


def _scores_of_others(events: list[dict], username: str) -> list:
    """Every score in these events given by someone other than `username`: answers to the scoring form
    completed by another, or a record of scores naming another board member, at any depth."""
    def records(value) -> list:
        if isinstance(value, dict):
            other = "scores" in value and value.get("board_member") not in (None, username)
            return [value] * other + [r for v in value.values() for r in records(v)]
        return [r for v in value for r in records(v)] if isinstance(value, list) else []
    found = []
    for event in events:
        data = event.get("data") or {}
        if event.get("actor") != username and isinstance(data, dict) and data.get("scores"):
            found.append(data)
        found += records(data)
    return found


def test_no_board_member_reads_anothers_scores_through_the_extension(db, clock, people):
    from engine.runtime.instance_queries import instance_detail, instance_events
    project = bill_never_scores(db, clock, people)
    gate2, _ = _chair_sees(db, project)
    db.writing(lambda s: completion.complete_task(s, user=_user(s, "cara.chair"), task_id=gate2.id, clock=clock,
                                                  data={"gate2_decision": "extend_scoring",
                                                        "scoring_extended_to": "2026-04-03"}))
    kept = instance(db, project).data["scores_kept_aside"]
    assert sorted(b["board_member"] for b in kept) == ["bea.board", "ben.board"]
    [bills] = _open(db, project)
    with db.reading() as s:
        bill = instance_detail(s, user=_user(s, "bill.board"), instance_id=project)["data"]
        bea = instance_detail(s, user=_user(s, "bea.board"), instance_id=project)["data"]
        task = queries.get_task(s, user=_user(s, "bill.board"), task_id=bills.id).context
        events = instance_events(s, user=_user(s, "bea.board"), instance_id=project)
        outsider = instance_detail(s, user=_user(s, "ian.datahealth"), instance_id=project)["data"]
        chair = instance_detail(s, user=_user(s, "cara.chair"), instance_id=project)["data"]
        chairs_events = instance_events(s, user=_user(s, "cara.chair"), instance_id=project)
    assert bill["scores_kept_aside"] == [] and task["scores_kept_aside"] == []  # Bea's and Ben's wait unseen
    assert [b["board_member"] for b in bea["scores_kept_aside"]] == ["bea.board"]  # her own only
    for seen in (bill, bea, task):
        assert not {"members_not_scored", "members_to_score", "aggregated_scores"} & set(seen)
    assert _scores_of_others(events, "bea.board") == []  # nor in her history of the project
    assert _scores_of_others(chairs_events, "bea.board")  # which the chair's holds
    assert not {"scores_kept_aside", "members_not_scored", "members_to_score", "board_scores"} & set(outsider)
    assert len(chair["scores_kept_aside"]) == 2 and chair["members_to_score"] == ["bill.board"]
