"""Keeping the work moving, through the services: who is told of each task, reminders and escalation, delegation,
reassignment, and a project's lifecycle (hold, resume, stop, withdraw), each on the record the verifier re-runs."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from demo import seed
from engine import policy
from engine.errors import BadRequest, Conflict, Forbidden, NotFound
from engine.history.verification import check_instance
from engine.identity import accounts, delegation
from engine.notices import alerts, inbox, kinds
from engine.runtime import lifecycle
from engine.runtime.timers import fire_due
from engine.store.models import AuditEvent, Notification, ProcessInstance, Task, User
from engine.tasks import completion, queries, reassignment
from tests.diagram.test_six_gates import plan

LEAD = kinds.DEFAULT_DUE_SOON_LEAD


def user(s, username) -> User:
    return accounts.require_user(s, username)


def notes(db, **where) -> list[Notification]:
    with db.reading() as s:
        stmt = select(Notification).order_by(Notification.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(Notification, key) == value)
        return list(s.scalars(stmt))


def recipients(db, **where) -> set[str]:
    with db.reading() as s:
        return {s.get(User, n.user_id).username for n in notes(db, **where)}


def open_task(people, project, bpmn_id, **data) -> Task:
    return next(t for t in people.open_tasks(project) if t.bpmn_id == bpmn_id
                and all(t.assignee == v for v in data.values()))


def verified(db, project) -> list:
    with db.reading() as s:
        return check_instance(s, project).problems


def add_nia(db, clock) -> None:
    """A board member who is not on the demo projects' boards: free to take a member's place."""
    db.writing(lambda s: accounts.add_user(s, username="nia.board", display_name="Nia Roberts (Project Board)",
                                           roles=["board_member"], actor="test", clock=clock))


def to_scoring(people, project) -> None:
    people.walk(project, plan(), stop_at="submit_eoi")
    people.walk(project, plan(), stop_at="score_eois")


# --- who is told ----------------------------------------------------------------------------

def test_each_task_made_ready_tells_exactly_the_people_who_may_do_it(db, people):
    project = people.start()
    to_scoring(people, project)
    with db.reading() as s:
        everyone = list(s.scalars(select(User)))
        tasks = list(s.scalars(select(Task).where(Task.instance_id == project)))
        assert tasks
        for task in tasks:
            told = {s.get(User, n.user_id).username for n in notes(db, kind=kinds.TASK_READY, task_id=task.id)}
            made_by = s.scalars(select(AuditEvent.actor).where(  # whose change made it ready: they see it already
                AuditEvent.instance_id == project, AuditEvent.seq < s.scalars(select(AuditEvent.seq).where(
                    AuditEvent.task_id == task.id, AuditEvent.kind == "task_ready")).one(),
                AuditEvent.kind.in_(["task_completed", "instance_started"])).order_by(AuditEvent.seq.desc())).first()
            instance = s.get(ProcessInstance, project)
            may = {u.username for u in everyone if policy.may_act_on(u, task) is None
                   and policy.may_see_instance(u, instance)}
            if task.state == "ready":
                assert told == may - {made_by}, task.bpmn_id
    eoi_notes = [n for n in notes(db, kind=kinds.TASK_READY) if "expression of interest" in n.subject.lower()]
    with db.reading() as s:
        told = {(s.get(User, n.user_id).username, s.get(Task, n.task_id).organisations) for n in eoi_notes}
    # Each partner hears only of its own organisation's EoI, never of the competitor's.
    assert told == {("ivy.medtech", f"|{seed.MEDTECH}|"), ("ian.datahealth", f"|{seed.DATAHEALTH}|")}
    for note in eoi_notes:
        assert seed.MEDTECH not in note.body + note.subject and seed.DATAHEALTH not in note.body + note.subject


def test_a_sponsor_is_not_told_of_another_sponsors_challenge(db, clock, people):
    db.writing(lambda s: accounts.add_user(s, username="sue.sponsor", roles=["sponsor"], actor="test", clock=clock))
    project = people.start()  # sam.sponsor's
    people.walk(project, plan(), stop_at="gate1_prioritisation")
    assert "sue.sponsor" not in recipients(db)


def test_preferences_decide_whether_and_when_a_message_is_emailed(db, clock, people):
    def prepare(s):
        for name in ("hana.hub", "hugo.hub"):
            accounts.set_email(s, name, email=f"{name}@example.org", actor=user(s, name), clock=clock)
        inbox.set_preferences(s, user=user(s, "hugo.hub"), choices={kinds.TASK_READY: kinds.DAILY})
    db.writing(prepare)
    project = people.start()
    people.walk(project, plan(), stop_at="define_challenge")
    task = open_task(people, project, "define_challenge")
    with db.reading() as s:
        states = {s.get(User, n.user_id).username: (n.email_state, n.next_attempt_at)
                  for n in notes(db, task_id=task.id)}
    assert states["hana.hub"] == ("pending", clock.now())
    assert states["hugo.hub"] == ("digest", clock.now().replace(hour=7) + timedelta(days=1))  # 07:00 UTC tomorrow
    with pytest.raises(BadRequest) as refused:
        db.writing(lambda s: inbox.set_preferences(s, user=user(s, "hana.hub"), choices={"task_ready": "hourly",
                                                                                          "gossip": "off"}))
    assert set(refused.value.fields) == {"task_ready", "gossip"}


def test_a_sponsor_hears_of_each_new_stage_they_follow_and_a_partner_not_selected_does_not(db, people):
    project = people.start()
    people.walk(project, plan(), stop_at="draft_specification")
    sponsor_heard = [n.body for n in notes(db, kind=kinds.STAGE_CHANGED)
                     if n.user_id == _id(db, "sam.sponsor")]
    assert any("Co-design and scoping (Gate 3)" in body for body in sponsor_heard)
    with db.reading() as s:
        data = s.get(ProcessInstance, project).data_json
    not_selected = "ian.datahealth" if seed.MEDTECH in data.split("selected_partners")[1][:80] else "ivy.medtech"
    assert not any("Co-design" in n.body for n in notes(db, kind=kinds.STAGE_CHANGED)
                   if n.user_id == _id(db, not_selected))


def _id(db, username) -> int:
    with db.reading() as s:
        return user(s, username).id


# --- reminders and escalation --------------------------------------------------------------------

def test_a_task_is_reminded_when_due_soon_then_overdue_then_escalated_to_the_hub_team_once_each(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="invite_partners")  # invite_partners is due in 5 days, escalated 2 later
    task = open_task(people, project, "invite_partners")
    start = clock.now()
    assert alerts.send_due_alerts(db, clock=clock, lead=LEAD) == 0
    clock.set(start + timedelta(days=3, hours=1))
    assert alerts.send_due_alerts(db, clock=clock, lead=LEAD) == 1
    assert alerts.send_due_alerts(db, clock=clock, lead=LEAD) == 0  # once
    clock.set(start + timedelta(days=5, seconds=1))
    assert alerts.send_due_alerts(db, clock=clock, lead=LEAD) == 1
    clock.set(start + timedelta(days=7, seconds=1))
    assert alerts.send_due_alerts(db, clock=clock, lead=LEAD) == 1
    assert recipients(db, kind=kinds.DUE_SOON, task_id=task.id) == {"hana.hub", "hugo.hub"}
    assert recipients(db, kind=kinds.OVERDUE, task_id=task.id) == {"hana.hub", "hugo.hub"}
    assert recipients(db, kind=kinds.ESCALATED, task_id=task.id) == {"hana.hub", "hugo.hub"}
    clock.set(start + timedelta(days=30))
    assert alerts.send_due_alerts(db, clock=clock, lead=LEAD) == 0
    with db.reading() as s:
        assert alerts.next_alert_at(s, LEAD) != task.due_at  # this task has nothing left to send


def test_a_board_member_is_reminded_of_their_own_scoring_and_nobody_else_is(db, clock, people):
    project = people.start()
    to_scoring(people, project)
    clock.set(clock.now() + timedelta(days=11))  # scoring is due in ten days
    alerts.send_due_alerts(db, clock=clock, lead=LEAD)
    with db.reading() as s:
        for note in notes(db, kind=kinds.OVERDUE):
            task = s.get(Task, note.task_id)
            if task.bpmn_id == "score_eois":
                assert s.get(User, note.user_id).username == task.assignee


def test_a_project_on_hold_sends_no_reminders(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="invite_partners")
    db.writing(lambda s: lifecycle.hold(s, user=user(s, "hana.hub"), instance_id=project, reason="Funding review",
                                        clock=clock))
    clock.set(clock.now() + timedelta(days=10))
    assert alerts.send_due_alerts(db, clock=clock, lead=LEAD) == 0
    with db.reading() as s:
        assert alerts.next_alert_at(s, LEAD) is None


# --- delegation -----------------------------------------------------------------------------------

def test_tasks_made_for_someone_away_go_to_their_delegate_and_the_record_says_so(db, clock, people):
    today = clock.now().date()
    add_nia(db, clock)
    people.__init__(db, clock)  # the walker knows Nia too
    db.writing(lambda s: delegation.set_delegation(s, user=user(s, "bea.board"), delegate="nia.board",
                                                   starts_on=today, ends_on=today + timedelta(days=14), clock=clock))
    project = people.start()
    to_scoring(people, project)
    scoring = [t for t in people.open_tasks(project) if t.bpmn_id == "score_eois"]
    assert sorted(t.assignee for t in scoring) == ["ben.board", "bill.board", "nia.board"]
    with db.reading() as s:
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.instance_id == project,
                                                     AuditEvent.kind == "task_reassigned"))
    assert (event.actor, event.data_json.count("bea.board"), "delegated" in event.data_json) == ("bea.board", 1, True)
    assert "Bea Williams is away until" in event.data_json  # the reason, in the words pages show
    [note] = notes(db, kind=kinds.REASSIGNED)
    assert "Bea Williams is away until" in note.body and recipients(db, kind=kinds.REASSIGNED) == {
        "nia.board"}
    with db.reading() as s:  # in Bea's place, Nia reads the EoIs she scores as the board does
        task = next(t for t in scoring if t.assignee == "nia.board")
        context = queries.get_task(s, user=user(s, "nia.board"), task_id=task.id).context
    assert {e["partner"] for e in context["eois"] if e.get("submitted")} == {seed.MEDTECH, seed.DATAHEALTH}
    people.walk(project, plan(), stop_at="gate2_partner_selection")
    assert verified(db, project) == []


def test_a_delegate_who_already_has_a_share_of_the_step_does_not_get_a_second_one(db, clock, people):
    today = clock.now().date()
    db.writing(lambda s: delegation.set_delegation(s, user=user(s, "bea.board"), delegate="ben.board",
                                                   starts_on=today, ends_on=today + timedelta(days=14), clock=clock))
    project = people.start()
    to_scoring(people, project)
    scoring = [t for t in people.open_tasks(project) if t.bpmn_id == "score_eois"]
    assert sorted(t.assignee for t in scoring) == ["bea.board", "ben.board", "bill.board"]  # one person, one score
    assert "bea.board" in recipients(db, kind=kinds.TASK_READY)


def test_a_delegate_must_be_able_to_do_the_work_and_the_dates_must_make_sense(db, clock, people):
    today = clock.now().date()

    def delegate(to, starts, ends):
        return db.writing(lambda s: delegation.set_delegation(s, user=user(s, "bea.board"), delegate=to,
                                                              starts_on=starts, ends_on=ends, clock=clock))
    for to, starts, ends, field in [("cara.chair", today, today, "delegate"),  # holds none of her roles
                                    ("bea.board", today, today, "delegate"), ("nobody", today, today, "delegate"),
                                    ("ben.board", today, today - timedelta(days=1), "ends_on"),
                                    ("ben.board", date(2020, 1, 1), date(2020, 1, 2), "ends_on")]:
        with pytest.raises(BadRequest) as refused:
            delegate(to, starts, ends)
        assert field in refused.value.fields
    delegate("ben.board", today + timedelta(days=1), today + timedelta(days=3))  # from tomorrow: not yet
    project = people.start()
    to_scoring(people, project)
    assert "bea.board" in {t.assignee for t in people.open_tasks(project)}
    assert db.writing(lambda s: delegation.end_delegation(s, user=user(s, "bea.board"), clock=clock))
    with db.reading() as s:
        assert delegation.current_delegation(s, user(s, "bea.board"), today=today) is None


# --- reassignment ---------------------------------------------------------------------------------

def test_the_hub_team_reassigns_a_board_members_scoring_with_a_reason(db, clock, people):
    project = people.start()
    to_scoring(people, project)
    task = open_task(people, project, "score_eois", assignee="bea.board")
    add_nia(db, clock)
    people.__init__(db, clock)
    db.writing(lambda s: reassignment.reassign_task(s, user=user(s, "hana.hub"), task_id=task.id, to="nia.board",
                                                    reason="Bea has left the board", clock=clock))
    with db.reading() as s:
        assert s.get(Task, task.id).assignee == "nia.board"
        assert policy.may_act_on(user(s, "bea.board"), s.get(Task, task.id)) is not None
    [note] = notes(db, kind=kinds.REASSIGNED)
    assert "Bea has left the board" in note.body and note.link == f"/tasks/{task.id}"
    with pytest.raises(Forbidden):
        db.writing(lambda s: completion.complete_task(s, user=user(s, "bea.board"), task_id=task.id, data={},
                                                      clock=clock))
    people.walk(project, plan(), stop_at="gate2_partner_selection")
    assert verified(db, project) == []


def test_reassignment_keeps_every_rule_about_who_may_do_a_task(db, clock, people):
    project = people.start()
    to_scoring(people, project)
    task = open_task(people, project, "score_eois", assignee="bea.board")

    def reassign(by, to, reason="Cover"):
        return db.writing(lambda s: reassignment.reassign_task(s, user=user(s, by), task_id=task.id, to=to,
                                                               reason=reason, clock=clock))
    with pytest.raises(NotFound):
        reassign("ivy.medtech", "ben.board")  # a partner does not even see a board member's task
    with pytest.raises(Forbidden):
        reassign("cara.chair", "ben.board")
    add_nia(db, clock)
    for to, reason, field in [("ivy.medtech", "Cover", "to"), ("cara.chair", "Cover", "to"),
                              ("ghost", "Cover", "to"), ("nia.board", "  ", "reason"),
                              ("ben.board", "Cover", "to")]:  # Ben scores these EoIs already: one person, one say
        with pytest.raises(BadRequest) as refused:
            reassign("hana.hub", to, reason)
        assert field in refused.value.fields
    reassign("ada.admin", "nia.board")  # admins may too
    with db.reading() as s:
        assert s.get(Task, task.id).assignee == "nia.board"
    assert [t.id for t in db.writing(lambda s: reassignment.open_tasks_held_by(
        s, user=user(s, "hana.hub"), username="nia.board")) if t.id == task.id] == [task.id]


def test_four_eyes_still_bars_the_preparer_when_a_gate_is_reassigned(db, clock, people):
    from tests.conftest import walk_to_gate4
    project = walk_to_gate4(db, clock)
    gate4 = open_task(people, project, "gate4_mobilisation_approval")
    preparer = gate4.excluded_users.strip("|")
    db.writing(lambda s: accounts.set_roles(s, preparer, roles=["hub_team", "finance_approver"],
                                            actor=user(s, "ada.admin"), clock=clock))  # now holds the gate's role
    with pytest.raises(BadRequest) as refused:
        db.writing(lambda s: reassignment.reassign_task(s, user=user(s, "ada.admin"), task_id=gate4.id,
                                                        to=preparer, reason="Quick", clock=clock))
    assert "Four-eyes" in refused.value.fields["to"]


def test_a_reassignment_altered_in_the_database_is_found_by_verification(db, clock, people):
    project = people.start()
    to_scoring(people, project)
    task = open_task(people, project, "score_eois", assignee="bea.board")
    add_nia(db, clock)
    db.writing(lambda s: reassignment.reassign_task(s, user=user(s, "hana.hub"), task_id=task.id, to="nia.board",
                                                    reason="Cover", clock=clock))
    assert verified(db, project) == []

    def tamper(s):
        s.get(Task, task.id).assignee = "bill.board"
    db.writing(tamper)
    [problem] = verified(db, project)
    assert "reassignments" in problem.reason


# --- lifecycle ------------------------------------------------------------------------------------

def test_a_project_on_hold_cannot_move_and_its_timers_fire_once_resumed(db, clock, people):
    project = people.start()
    people.walk(project, plan(invite_partners={"invited_partners": [seed.MEDTECH], "board_members": ["bea.board"],
                                               "call_closes_at": "2026-03-05"}), stop_at="submit_eoi")
    eoi = open_task(people, project, "submit_eoi")
    hana = lambda s: user(s, "hana.hub")  # noqa: E731
    db.writing(lambda s: lifecycle.hold(s, user=hana(s), instance_id=project, reason="Awaiting funding",
                                        clock=clock))
    with pytest.raises(Conflict):
        db.writing(lambda s: completion.complete_task(s, user=user(s, "ivy.medtech"), task_id=eoi.id, data={},
                                                      clock=clock))
    clock.set(clock.now() + timedelta(days=5))  # the call closed while on hold
    assert fire_due(db, clock=clock) == 0
    with pytest.raises(Conflict):
        db.writing(lambda s: lifecycle.hold(s, user=hana(s), instance_id=project, reason="Again", clock=clock))
    db.writing(lambda s: lifecycle.resume(s, user=hana(s), instance_id=project, reason="", clock=clock))
    assert fire_due(db, clock=clock) == 1  # at once
    assert eoi.id not in {t.id for t in people.open_tasks(project)}
    assert verified(db, project) == []
    told = recipients(db, kind=kinds.STAGE_CHANGED)
    assert "sam.sponsor" in told and "hana.hub" not in told  # the one who did it is not told


def test_the_hub_team_stops_a_project_its_tasks_are_cancelled_and_the_record_proves_it(db, clock, people):
    project = people.start()
    to_scoring(people, project)
    with pytest.raises(Forbidden):
        db.writing(lambda s: lifecycle.stop(s, user=user(s, "bea.board"), instance_id=project, reason="x",
                                            clock=clock))
    with pytest.raises(BadRequest):
        db.writing(lambda s: lifecycle.stop(s, user=user(s, "hana.hub"), instance_id=project, reason="",
                                            clock=clock))
    db.writing(lambda s: lifecycle.stop(s, user=user(s, "hana.hub"), instance_id=project,
                                        reason="The trust withdrew its support", clock=clock))
    assert people.open_tasks(project) == []
    with db.reading() as s:
        instance = s.get(ProcessInstance, project)
        assert (instance.status, instance.stage, instance.next_timer_at) == ("stopped", "closed", None)
    assert verified(db, project) == []

    def tamper(s):
        s.get(ProcessInstance, project).status = "running"
    db.writing(tamper)
    assert verified(db, project) != []


def test_a_sponsor_withdraws_their_challenge_before_gate_1_and_not_after(db, clock, people):
    first, second = people.start(), people.start()
    people.walk(first, plan(), stop_at="gate1_prioritisation")
    db.writing(lambda s: accounts.add_user(s, username="sue.sponsor", roles=["sponsor"], actor="test", clock=clock))
    with pytest.raises(NotFound):  # another sponsor does not see it
        db.writing(lambda s: lifecycle.withdraw(s, user=user(s, "sue.sponsor"), instance_id=first, reason="No",
                                                clock=clock))
    with pytest.raises(Forbidden):
        db.writing(lambda s: lifecycle.withdraw(s, user=user(s, "hana.hub"), instance_id=first, reason="No",
                                                clock=clock))
    db.writing(lambda s: lifecycle.withdraw(s, user=user(s, "sam.sponsor"), instance_id=first,
                                            reason="Solved locally", clock=clock))
    assert people.open_tasks(first) == []
    assert verified(db, first) == []
    people.walk(second, plan(), stop_at="invite_partners")  # Gate 1 approved it
    with pytest.raises(Conflict):
        db.writing(lambda s: lifecycle.withdraw(s, user=user(s, "sam.sponsor"), instance_id=second,
                                                reason="Too late", clock=clock))


def test_a_resumed_projects_tasks_are_due_as_much_later_as_it_was_held(db, clock, people):
    project = people.start()
    people.walk(project, plan(), stop_at="invite_partners")
    before = open_task(people, project, "invite_partners")
    db.writing(lambda s: lifecycle.hold(s, user=user(s, "hana.hub"), instance_id=project, reason="Funding review",
                                        clock=clock))
    clock.set(clock.now() + timedelta(days=3))
    db.writing(lambda s: lifecycle.resume(s, user=user(s, "hana.hub"), instance_id=project, reason="Funded",
                                          clock=clock))
    after = open_task(people, project, "invite_partners")
    assert (after.due_at - before.due_at, after.escalate_at - before.escalate_at) == (timedelta(days=3),) * 2
    clock.set(before.due_at + timedelta(hours=1))  # when it would have been overdue had it not been held
    assert alerts.send_due_alerts(db, clock=clock, lead=LEAD) == 0
    clock.set(after.due_at - LEAD + timedelta(hours=1))
    assert alerts.send_due_alerts(db, clock=clock, lead=LEAD) == 1
    assert recipients(db, kind=kinds.OVERDUE) == set() and "hana.hub" in recipients(db, kind=kinds.DUE_SOON)
    assert verified(db, project) == []
