"""The record says exactly what was decided: answers of branches not chosen are dropped, dates that
must lie ahead do, budgets add up, a live pilot has its governance (or a recorded exception), Gate 6
is never decided by the business case's preparer, and a settled task cannot be touched."""
import json

import pytest
from sqlalchemy import select

from engine.errors import Conflict, Forbidden, ValidationFailed
from engine.history import verification
from engine.runtime.timers import fire_due
from engine.store.models import AuditEvent, Task
from engine.tasks import claims, completion, queries
from tests.conftest import add_user
from tests.diagram.test_six_gates import _user, instance, plan


def complete(db, clock, username, task, data):
    return db.writing(lambda s: completion.complete_task(s, user=_user(s, username), task_id=task.id, data=data,
                                                      clock=clock))


def refused(db, clock, username, task, data) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        complete(db, clock, username, task, data)
    return caught.value.fields


def recorded(db, project, task_name) -> list[dict]:
    """The answers each completion of `task_name` put on the audit trail, in order."""
    with db.reading() as s:
        return [json.loads(e.data_json) for e in s.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == project, AuditEvent.kind == "task_completed",
            AuditEvent.task_name == task_name).order_by(AuditEvent.seq))]


def open_task(people, project, bpmn_id) -> Task:
    return next(t for t in people.open_tasks(project) if t.bpmn_id == bpmn_id)


def verified(db) -> bool:
    with db.reading() as s:
        return verification.verify(s, user=_user(s, "aud.auditor")).problems == []


# --- answers that apply ------------------------------------------------------------------

def test_gate5_confirmed_with_a_stray_stop_is_recorded_and_acted_on_as_confirmed(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="gate5_evidence_gate")
    gate5 = open_task(people, project, "gate5_evidence_gate")
    complete(db, clock, "eve.evidence", gate5, {"gate5_confirm": True, "gate5_decision": "stop",
                                                "gate5_justification": "Typed before ticking confirm."})
    assert recorded(db, project, "gate5_evidence_gate") == [{"gate5_confirm": True}]
    with db.reading() as s:
        assert json.loads(s.get(Task, gate5.id).data_json) == {"gate5_confirm": True}
    data = instance(db, project).data
    assert data["gate5_decision"] == "proceed" and data["gate5_justification"] is None
    assert [t.bpmn_id for t in people.open_tasks(project)] == ["prepare_business_case"]
    assert verified(db)  # the re-run from the trail reaches the same state


def test_a_review_date_from_an_earlier_deferral_does_not_stand_beside_the_approval(db, clock, people):
    project = people.start()
    people.walk(project, plan(gate1_prioritisation={"gate1_decision": "defer", "review_date": "2026-04-15"}))
    clock.set(clock.now().replace(month=4, day=15, hour=10))
    assert fire_due(db, clock=clock) == 1
    people.walk(project, plan(), stop_at="gate1_prioritisation")
    gate1 = open_task(people, project, "gate1_prioritisation")
    complete(db, clock, "hana.hub", gate1, {"gate1_decision": "approve", "review_date": "2026-05-01",
                                            "gate1_reason": "Left over in the form."})
    assert recorded(db, project, "gate1_prioritisation")[-1] == {"gate1_decision": "approve"}
    data = instance(db, project).data
    assert data["gate1_decision"] == "approve" and data["review_date"] is None and data["gate1_reason"] is None
    assert verified(db)


def test_a_declared_conflict_keeps_no_scores_and_a_score_keeps_no_conflict_reason(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="score_eois")
    task = next(t for t in people.open_tasks(project) if t.assignee == "bill.board")
    partners = instance(db, project).data["submitted_partners"]
    scores = {"strategic_fit": 5, "patient_impact": 5, "strength_of_evidence": 5, "deliverability": 5,
              "value_for_money": 5, "equity_of_access": 5}
    rows = [{"partner": p, "conflict_of_interest": p == "Medtech Innovations Ltd",
             "conflict_reason": "I work there.", **scores} for p in partners]
    complete(db, clock, "bill.board", task, {"scores": rows})
    [answers] = recorded(db, project, "score_eois")
    by_partner = {row["partner"]: row for row in answers["scores"]}
    assert by_partner["Medtech Innovations Ltd"] == {"partner": "Medtech Innovations Ltd",
                                                     "conflict_of_interest": True, "conflict_reason": "I work there."}
    assert by_partner["DataHealth Analytics plc"] == {"partner": "DataHealth Analytics plc",
                                                      "conflict_of_interest": False, **scores}


# --- dates that must lie ahead -------------------------------------------------------------

def test_a_review_date_in_the_past_or_today_is_refused_and_tomorrow_is_accepted(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="gate1_prioritisation")
    gate1 = open_task(people, project, "gate1_prioritisation")
    for day in ("2026-03-01", "2026-03-02"):
        errors = refused(db, clock, "hana.hub", gate1, {"gate1_decision": "defer", "review_date": day})
        assert errors == {"review_date": "The review date must be after today (2026-03-03 or after)."}
    assert recorded(db, project, "gate1_prioritisation") == []
    complete(db, clock, "hana.hub", gate1, {"gate1_decision": "defer", "review_date": "2026-03-03"})
    assert instance(db, project).data["review_date"] == "2026-03-03"


def test_a_deferral_made_in_the_afternoon_is_not_undone_the_moment_it_is_made(db, clock, people):
    """The review happens at 09:00 UTC on its date: by 15:00 today's has passed, and the timer would fire at once."""
    clock.set(clock.now().replace(hour=15))
    project = people.start()
    people.walk(project, plan(), stop_at="gate1_prioritisation")
    gate1 = open_task(people, project, "gate1_prioritisation")
    refused(db, clock, "hana.hub", gate1, {"gate1_decision": "defer", "review_date": "2026-03-02"})
    assert [t.bpmn_id for t in people.open_tasks(project)] == ["gate1_prioritisation"]
    complete(db, clock, "hana.hub", gate1, {"gate1_decision": "defer", "review_date": "2026-03-03"})
    assert people.open_tasks(project) == [] and fire_due(db, clock=clock) == 0  # waiting for its review
    clock.set(clock.now().replace(day=3, hour=9, minute=1))
    assert fire_due(db, clock=clock) == 1
    assert [t.bpmn_id for t in people.open_tasks(project)] == ["define_challenge"]


def test_a_call_closing_date_in_the_past_is_refused_so_the_call_does_not_close_as_it_opens(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="invite_partners")
    invite = open_task(people, project, "invite_partners")
    answers = {"invited_partners": ["Medtech Innovations Ltd"], "board_members": ["bea.board"],
               "call_closes_at": "2026-02-27"}
    errors = refused(db, clock, "hana.hub", invite, answers)
    assert errors == {"call_closes_at": "The call closing date must be today or later (2026-03-02 or after)."}
    assert [t.bpmn_id for t in people.open_tasks(project)] == ["invite_partners"]
    complete(db, clock, "hana.hub", invite, {**answers, "call_closes_at": "2026-03-20"})
    assert [t.bpmn_id for t in people.open_tasks(project)] == ["submit_eoi"]


def test_the_clock_decides_what_today_is(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="gate1_prioritisation")
    gate1 = open_task(people, project, "gate1_prioritisation")
    clock.set(clock.now().replace(year=2031))  # the service's clock, not the machine's
    errors = refused(db, clock, "hana.hub", gate1, {"gate1_decision": "defer", "review_date": "2030-06-01"})
    assert "after today (2031-03-03 or after)" in errors["review_date"]


def test_a_milestone_due_in_the_past_is_refused_in_its_row(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="prepare_mobilisation")
    pack = open_task(people, project, "prepare_mobilisation")
    answers = mobilisation_pack(milestones=[{"title": "Kick-off", "due_date": "2026-04-01"},
                                            {"title": "Go live", "due_date": "2025-12-01"}])
    assert refused(db, clock, "hana.hub", pack, answers) == {
        "milestones.1.due_date": "The due date must be today or later (2026-03-02 or after)."}


# --- budgets -----------------------------------------------------------------------------------

def mobilisation_pack(**changes) -> dict:
    pack = {"resourcing": "1 WTE", "project_plan": "Plan", "governance": "Board", "roles_and_responsibilities": "RACI",
            "nhs_contribution": 50000, "industry_contribution": 120000, "total_budget": 170000,
            "milestones": [{"title": "Go live", "due_date": "2026-06-01"}],
            "dpia_in_place": True, "dsa_signed": True, "joint_working_agreement": True,
            "joint_working_agreement_reference": "JWA-1"}
    return {**pack, **changes}


def test_the_packs_total_must_be_the_nhs_plus_the_industry_contribution(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="prepare_mobilisation")
    pack = open_task(people, project, "prepare_mobilisation")
    errors = refused(db, clock, "hana.hub", pack, mobilisation_pack(total_budget=200000))
    assert errors == {"total_budget": "Total budget (GBP) must equal NHS contribution (GBP) + "
                                      "Industry contribution (GBP): 170,000."}
    complete(db, clock, "hana.hub", pack, mobilisation_pack())
    assert instance(db, project).data["total_budget"] == 170000


def test_the_budget_committed_at_gate4_cannot_exceed_the_packs_total(db, clock, people):
    project = people.start()
    people.walk(project, plan(prepare_mobilisation=mobilisation_pack()), stop_at="gate4_mobilisation_approval")
    gate4 = open_task(people, project, "gate4_mobilisation_approval")
    errors = refused(db, clock, "fran.finance", gate4, {"gate4_decision": "approve", "budget_committed": 170001})
    assert errors == {"budget_committed": "Budget committed (GBP) cannot be more than the total budget of the pack "
                                          "(GBP) (170,000)."}
    complete(db, clock, "fran.finance", gate4, {"gate4_decision": "approve", "budget_committed": 170000})
    assert instance(db, project).data["budget_committed"] == 170000


def test_an_absurd_budget_is_refused_on_its_field(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="prepare_mobilisation")
    pack = open_task(people, project, "prepare_mobilisation")
    errors = refused(db, clock, "hana.hub", pack, mobilisation_pack(nhs_contribution=10**400, total_budget=10**400))
    assert errors == {"nhs_contribution": "The NHS contribution (GBP) cannot be more than 1,000,000,000.",
                      "total_budget": "The total budget (GBP) cannot be more than 1,000,000,000."}
    assert recorded(db, project, "prepare_mobilisation") == []


def test_a_kpi_interval_no_timer_can_wait_is_refused_on_its_field(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="execute_procurement")
    award = open_task(people, project, "execute_procurement")
    answers = {"supplier_name": "S", "award_reference": "R", "award_date": "2026-03-01", "contract_value": 1,
               "rollout_sites": ["Leicester"], "tracking_periods": 2}
    for interval in ("P10000Y", "P13M"):
        errors = refused(db, clock, "pat.procurement", award, {**answers, "kpi_interval": interval})
        assert errors == {"kpi_interval": "The interval between KPI returns cannot be longer than 1 year (P1Y)."}
    complete(db, clock, "pat.procurement", award, {**answers, "kpi_interval": "P1Y"})
    assert instance(db, project).data["kpi_interval"] == "P1Y"


# --- governance before a live pilot ------------------------------------------------------------

def test_gate4_cannot_approve_a_live_pilot_without_its_governance_unless_the_exception_is_recorded(db, clock, people):
    project = people.start()
    people.walk(project, plan(prepare_mobilisation=mobilisation_pack(dpia_in_place=False)),
                stop_at="gate4_mobilisation_approval")
    gate4 = open_task(people, project, "gate4_mobilisation_approval")
    approve = {"gate4_decision": "approve", "budget_committed": 170000}
    assert refused(db, clock, "fran.finance", gate4, approve) == {
        "governance_exception_reason": "A live pilot needs the DPIA, the data-sharing agreement and the joint "
                                       "working agreement in place: record why you approve without them."}
    reason = "DPIA signed off by the DPO on Friday; paperwork follows."
    complete(db, clock, "fran.finance", gate4, {**approve, "governance_exception_reason": reason})
    assert recorded(db, project, "gate4_mobilisation_approval") == [{**approve, "governance_exception_reason": reason}]
    assert [t.bpmn_id for t in people.open_tasks(project)] == ["report_pilot_outcomes"]


def test_returning_the_pack_needs_no_exception_and_keeps_none(db, clock, people):
    project = people.start()
    people.walk(project, plan(prepare_mobilisation=mobilisation_pack(dsa_signed=False)),
                stop_at="gate4_mobilisation_approval")
    gate4 = open_task(people, project, "gate4_mobilisation_approval")
    complete(db, clock, "fran.finance", gate4, {"gate4_decision": "return", "gate4_comments": "Sign the DSA.",
                                                "governance_exception_reason": "Not needed after all.",
                                                "budget_committed": 5})
    assert recorded(db, project, "gate4_mobilisation_approval") == [{"gate4_decision": "return",
                                                                     "gate4_comments": "Sign the DSA."}]


def test_a_proven_initiative_scaled_without_a_pilot_needs_no_exception(db, clock, people):
    project = people.start()
    people.walk(project, plan(define_challenge={"pathway": "scale_proven"},
                              prepare_mobilisation=mobilisation_pack(joint_working_agreement=False)),
                stop_at="gate4_mobilisation_approval")
    gate4 = open_task(people, project, "gate4_mobilisation_approval")
    complete(db, clock, "fran.finance", gate4, {"gate4_decision": "approve", "budget_committed": 100000})
    assert [t.bpmn_id for t in people.open_tasks(project)] == ["prepare_business_case"]


# --- four-eyes at Gate 6 -----------------------------------------------------------------------

def test_whoever_prepared_the_business_case_cannot_decide_it(db, clock, people):
    add_user(db, clock, "hal.hubdmbc", "hub_team", "dmbc_board")  # sits on the DMBC board and in the Hub team
    project = people.start()
    people.walk(project, plan(), stop_at="prepare_business_case")
    case = open_task(people, project, "prepare_business_case")
    complete(db, clock, "hal.hubdmbc", case, {
        "strategic_case": "s", "economic_case": "e", "commercial_case": "c", "financial_case": "f",
        "management_case": "m", "procurement_route": "PA23", "contract_model": "Call-off", "budget": 900000,
        "timelines": "2027-2029"})
    gate6 = open_task(people, project, "gate6_dmbc")
    assert gate6.excluded_users == "|hal.hubdmbc|"
    with pytest.raises(Forbidden, match="Four-eyes"):
        complete(db, clock, "hal.hubdmbc", gate6, {"gate6_decision": "approve"})
    with db.reading() as s:
        assert gate6.id not in [t.id for t in queries.list_tasks(s, user=_user(s, "hal.hubdmbc"))]
    complete(db, clock, "dan.dmbc", gate6, {"gate6_decision": "approve", "funding_authorised": 800000})
    assert [t.bpmn_id for t in people.open_tasks(project)] == ["execute_procurement"]


# --- a settled task stays settled --------------------------------------------------------------

@pytest.fixture
def settled(db, clock, people):
    """A project whose Gate 1 was completed by the Hub team (after claiming it): that task's id."""
    project = people.start()
    people.walk(project, plan(), stop_at="gate1_prioritisation")
    gate1 = open_task(people, project, "gate1_prioritisation")
    db.writing(lambda s: claims.claim_task(s, user=_user(s, "hana.hub"), task_id=gate1.id, clock=clock))
    complete(db, clock, "hana.hub", gate1, {"gate1_decision": "approve"})
    return project, gate1.id


@pytest.mark.parametrize("username, action", [
    ("hana.hub", lambda s, u, t, c: claims.release_task(s, user=u, task_id=t, clock=c)),
    ("hugo.hub", lambda s, u, t, c: claims.release_task(s, user=u, task_id=t, clock=c)),  # the Hub team releases any
    ("hugo.hub", lambda s, u, t, c: claims.claim_task(s, user=u, task_id=t, clock=c)),
    ("hana.hub", lambda s, u, t, c: claims.save_draft(s, user=u, task_id=t, data={"gate1_comments": "x"}, clock=c)),
])
def test_a_completed_task_cannot_be_released_claimed_or_drafted_and_the_record_still_verifies(
        db, clock, settled, username, action):
    project, task_id = settled
    with db.reading() as s:
        before = s.get(Task, task_id)
        row_before = (before.state, before.claimed_by, before.completed_by, before.data_json, before.draft_json)
        events_before = s.scalar(select(AuditEvent.seq).where(AuditEvent.instance_id == project)
                                 .order_by(AuditEvent.seq.desc()).limit(1))
    with pytest.raises(Conflict, match="already completed"):
        db.writing(lambda s: action(s, _user(s, username), task_id, clock))
    with db.reading() as s:
        after = s.get(Task, task_id)
        assert (after.state, after.claimed_by, after.completed_by, after.data_json, after.draft_json) == row_before
        assert s.scalar(select(AuditEvent.seq).where(AuditEvent.instance_id == project)
                        .order_by(AuditEvent.seq.desc()).limit(1)) == events_before
    assert verified(db)


def test_a_cancelled_task_cannot_be_released(db, clock, people):
    project = people.start()
    people.walk(project, plan(invite_partners={
        "invited_partners": ["Medtech Innovations Ltd", "DataHealth Analytics plc"],
        "board_members": ["bea.board"], "call_closes_at": "2026-03-20"}), stop_at="submit_eoi")
    eoi = next(t for t in people.open_tasks(project) if "DataHealth" in (t.organisations or ""))
    db.writing(lambda s: claims.claim_task(s, user=_user(s, "ian.datahealth"), task_id=eoi.id, clock=clock))
    clock.set(clock.now().replace(day=21))
    fire_due(db, clock=clock)  # the call closes: the unanswered EoI is cancelled
    with db.reading() as s:
        assert s.get(Task, eoi.id).state == "cancelled"
    with pytest.raises(Conflict, match="already cancelled"):
        db.writing(lambda s: claims.release_task(s, user=_user(s, "hana.hub"), task_id=eoi.id, clock=clock))
    assert verified(db)


def test_the_auditors_four_eyes_report_covers_gate6_as_the_diagram_says(six_gates):
    from engine.history.rule_reports.four_eyes import rules_of
    rules = rules_of(six_gates)
    assert sorted(rules) == ["gate4_mobilisation_approval", "gate6_dmbc"]
    assert rules["gate6_dmbc"].prepared_id == "prepare_business_case"
    assert rules["gate6_dmbc"].fields["funding_authorised"] == "Funding authorised (GBP)"  # a conditional field


# --- the board's scoring deadline ----------------------------------------------------------

def test_a_scoring_date_typed_before_choosing_select_is_not_recorded_beside_the_selection(db, clock, people):
    from tests.diagram.test_six_gates import bill_never_scores
    project = bill_never_scores(db, clock, people)
    gate2 = open_task(people, project, "gate2_partner_selection")
    complete(db, clock, "cara.chair", gate2, {"gate2_decision": "select",
                                               "selected_partners": ["Medtech Innovations Ltd"],
                                               "scoring_extended_to": "2026-04-03"})
    assert recorded(db, project, "gate2_partner_selection") == [
        {"gate2_decision": "select", "selected_partners": ["Medtech Innovations Ltd"]}]
    data = instance(db, project).data
    assert data["scoring_extended_to"] is None and data["scoring_closes_at"] == "2026-03-27"
    assert [t.bpmn_id for t in people.open_tasks(project)] == ["draft_specification"]  # nobody asked to score again
    assert verified(db)


def test_a_new_scoring_date_in_the_past_is_refused(db, clock, people):
    from tests.diagram.test_six_gates import bill_never_scores
    project = bill_never_scores(db, clock, people)  # the clock reads 28 March
    gate2 = open_task(people, project, "gate2_partner_selection")
    assert refused(db, clock, "cara.chair", gate2, {"gate2_decision": "extend_scoring",
                                                    "scoring_extended_to": "2026-03-27"}) == {
        "scoring_extended_to": "The new scoring closing date must be today or later (2026-03-28 or after)."}
