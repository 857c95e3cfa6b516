"""A project's lifecycle and reassignment through the pages: the Hub team holds, resumes and stops a project with a
reason, its sponsor withdraws a challenge before Gate 1, the Hub team reassigns a task. Each form keeps its CSRF
token; a refusal is shown on the page and changes nothing."""
import re

from sqlalchemy import select

from engine.identity import accounts
from engine.store.models import AuditEvent, ProcessInstance, Task
from tests.conftest import every_row
from tests.web.conftest import signed_in
from tests.web.test_notification_pages import post, text_of, words


def status(db, project: int) -> str:
    with db.reading() as s:
        return s.get(ProcessInstance, project).status


def gate4_task(db, project: int) -> Task:
    with db.reading() as s:
        return s.scalars(select(Task).where(Task.instance_id == project, Task.state == "ready")).one()


def test_the_hub_puts_a_project_on_hold_with_a_reason_and_resumes_it(app, db, at_gate4):
    hana = signed_in(app, "hana.hub")
    page = text_of(hana.get(f"/projects/{at_gate4}"))
    assert f'href="/projects/{at_gate4}/hold">Put on hold</a>' in page and "Stop project" in page
    assert "Resume</a>" not in page
    form = hana.get(f"/projects/{at_gate4}/hold")
    assert form.status_code == 200 and "Put this project on hold" in text_of(form)
    held = post(hana, f"/projects/{at_gate4}/hold", {"reason": "Funding review until April"},
                page=f"/projects/{at_gate4}/hold")
    assert held.status_code == 302 and held.location.endswith(f"/projects/{at_gate4}")
    assert status(db, at_gate4) == "on_hold"
    page = words(hana.get(f"/projects/{at_gate4}"))
    assert "On hold since 2 March 2026 at 9am" in page and "Reason: Funding review until April" in page
    assert "The project is on hold" in page and "Resume" in page and "Put on hold" not in page
    task = gate4_task(db, at_gate4)
    hugo = signed_in(app, "hugo.hub")
    assert "This project is on hold" in words(hugo.get(f"/tasks/{task.id}"))
    refused = post(hugo, f"/tasks/{task.id}", {"action": "submit", "gate4_decision": "approve"},
                   page=f"/tasks/{task.id}")
    assert refused.status_code == 302 and gate4_task(db, at_gate4).state == "ready"
    assert "This project is on hold: its tasks can be done again" in text_of(hugo.get(refused.location))
    resumed = post(hana, f"/projects/{at_gate4}/resume", {"reason": ""}, page=f"/projects/{at_gate4}/resume")
    assert resumed.status_code == 302 and status(db, at_gate4) == "running"
    assert "On hold since" not in words(hana.get(f"/projects/{at_gate4}"))
    with db.reading() as s:
        kinds = [e.kind for e in s.scalars(select(AuditEvent).where(AuditEvent.instance_id == at_gate4))]
    assert kinds[-2:] == ["instance_held", "instance_resumed"]


def test_a_hold_without_a_reason_or_a_csrf_token_is_refused_and_nothing_changes(app, db, at_gate4):
    hana = signed_in(app, "hana.hub")
    before = every_row(db, skip=("system_chain", "sign_in_sessions"))
    refused = post(hana, f"/projects/{at_gate4}/hold", {"reason": "  "}, page=f"/projects/{at_gate4}/hold")
    assert refused.status_code == 400
    assert "Give a reason: it goes on the project's record." in text_of(refused)
    assert "Enter a reason." in text_of(refused)
    assert hana.post(f"/projects/{at_gate4}/hold", data={"reason": "No token"}).status_code == 400
    assert post(hana, f"/projects/{at_gate4}/resume").status_code == 409  # it is not on hold
    assert every_row(db, skip=("system_chain", "sign_in_sessions")) == before


def test_only_the_hub_team_may_hold_and_only_the_sponsor_withdraw(app, db, at_gate4):
    before = every_row(db, skip=("system_chain", "sign_in_sessions"))
    sam, ivy = signed_in(app, "sam.sponsor"), signed_in(app, "ivy.medtech")
    assert "Put on hold" not in text_of(sam.get(f"/projects/{at_gate4}"))
    assert sam.get(f"/projects/{at_gate4}/hold").status_code == 403
    assert post(sam, f"/projects/{at_gate4}/stop", {"reason": "Mine"}).status_code == 403
    assert post(ivy, f"/projects/{at_gate4}/withdraw", {"reason": "Ours"}).status_code == 403
    assert post(signed_in(app, "hana.hub"), f"/projects/{at_gate4}/withdraw", {"reason": "x"}).status_code == 403
    assert every_row(db, skip=("system_chain", "sign_in_sessions")) == before


def test_stopping_asks_for_confirmation_and_ends_the_project(app, db, at_gate4):
    hana = signed_in(app, "hana.hub")
    confirm = text_of(hana.get(f"/projects/{at_gate4}/stop"))
    assert "This cannot be undone" in confirm and "Yes, stop this project" in confirm and "No, go back" in confirm
    assert status(db, at_gate4) == "running"
    stopped = post(hana, f"/projects/{at_gate4}/stop", {"reason": "The partner went into administration"},
                   page=f"/projects/{at_gate4}/stop")
    assert stopped.status_code == 302 and status(db, at_gate4) == "stopped"
    page = words(hana.get(f"/projects/{at_gate4}"))
    assert "Stopped since 2 March 2026 at 9am" in page and "Reason: The partner went into administration" in page
    assert "Stop project" not in page
    with db.reading() as s:
        assert s.scalars(select(Task).where(Task.instance_id == at_gate4, Task.state == "ready")).all() == []
    again = post(hana, f"/projects/{at_gate4}/stop", {"reason": "Twice"})
    assert again.status_code == 409 and "This project is stopped: that cannot be done now." in text_of(again)


def test_the_sponsor_withdraws_a_new_challenge_but_not_one_past_gate1(app, db, at_gate4):
    sam = signed_in(app, "sam.sponsor")
    started = post(sam, "/projects/new")
    assert started.status_code == 302
    with db.reading() as s:
        project = s.scalars(select(ProcessInstance.id).order_by(ProcessInstance.id.desc())).first()
    mine = text_of(sam.get("/my-projects"))
    assert f'href="/projects/{project}/withdraw">Withdraw' in mine
    project_page = text_of(sam.get(f"/projects/{project}"))
    assert f'href="/projects/{project}/withdraw">Withdraw this challenge</a>' in project_page
    confirm = text_of(sam.get(f"/projects/{project}/withdraw"))
    assert "This cannot be undone" in confirm and "Yes, withdraw this challenge" in confirm
    withdrawn = post(sam, f"/projects/{project}/withdraw", {"reason": "Another trust already solved it"},
                     page=f"/projects/{project}/withdraw")
    assert withdrawn.status_code == 302 and status(db, project) == "withdrawn"
    page = words(sam.get(f"/projects/{project}"))
    assert "Withdrawn since" in page and "Reason: Another trust already solved it" in page
    assert "Withdrawn</strong>" in text_of(sam.get("/my-projects"))
    before = every_row(db, skip=("system_chain", "sign_in_sessions"))
    late = post(sam, f"/projects/{at_gate4}/withdraw", {"reason": "Too late"})
    assert late.status_code == 409 and "ask the Hub team to stop the project instead" in text_of(late)
    assert "it has passed Gate 1" in text_of(sam.get(f"/projects/{at_gate4}/withdraw"))
    assert every_row(db, skip=("system_chain", "sign_in_sessions")) == before


def test_the_hub_reassigns_a_task_to_someone_who_may_do_it_with_a_reason(app, db, at_gate4):
    task = gate4_task(db, at_gate4)
    hana = signed_in(app, "hana.hub")
    assert f'href="/tasks/{task.id}/reassign">Reassign this task' in text_of(hana.get(f"/tasks/{task.id}"))
    form = hana.get(f"/tasks/{task.id}/reassign")
    people = re.findall(r'<option value="([^"]+)"', form.get_data(as_text=True).split('id="to"')[1]
                        .split("</select>")[0])
    assert people == ["fran.finance", "hugo.hub"]  # finance approvers; Hana prepared it (four eyes), so not her
    done = post(hana, f"/tasks/{task.id}/reassign", {"to": "fran.finance", "reason": "Hugo is on leave"},
                page=f"/tasks/{task.id}/reassign")
    assert done.status_code == 302 and done.location.endswith(f"/tasks/{task.id}")
    assert gate4_task(db, at_gate4).assignee == "fran.finance"
    shown = words(signed_in(app, "fran.finance").get(f"/tasks/{task.id}"))
    assert "Reassigned to you on 2 March 2026: Hugo is on leave" in shown
    assert "Reassigned to fran.finance on 2 March 2026" in words(hana.get(f"/tasks/{task.id}"))
    assert "Given to you" in text_of(signed_in(app, "fran.finance").get("/notifications"))


def test_a_refused_reassignment_is_shown_and_changes_nothing(app, db, at_gate4):
    task = gate4_task(db, at_gate4)
    hana = signed_in(app, "hana.hub")
    before = every_row(db, skip=("system_chain", "sign_in_sessions"))
    for data, message in (({"to": "sam.sponsor", "reason": "Why not"}, "This task is for the Finance approver role."),
                          ({"to": "fran.finance", "reason": " "}, "Enter a reason."),
                          ({"to": "", "reason": "Leave"}, "No such active person.")):
        refused = post(hana, f"/tasks/{task.id}/reassign", data, page=f"/tasks/{task.id}/reassign")
        assert refused.status_code == 400 and message in text_of(refused), data
        assert "There is a problem" in text_of(refused)
    assert hana.post(f"/tasks/{task.id}/reassign", data={"to": "fran.finance", "reason": "x"}).status_code == 400
    fran = signed_in(app, "fran.finance")
    assert fran.get(f"/tasks/{task.id}/reassign").status_code == 403
    assert post(fran, f"/tasks/{task.id}/reassign", {"to": "fran.finance", "reason": "Mine"}).status_code == 403
    assert "Reassign this task" not in text_of(fran.get(f"/tasks/{task.id}"))
    assert every_row(db, skip=("system_chain", "sign_in_sessions")) == before


def test_an_admin_reassigns_from_the_disable_page_and_comes_back_to_it(app, db, at_gate4):
    task = gate4_task(db, at_gate4)
    fran = signed_in(app, "fran.finance")
    assert post(fran, f"/tasks/{task.id}/claim").status_code == 302
    admin = signed_in(app, "ada.admin")
    back = "/admin/users/fran.finance/disable"
    form = admin.get(f"/tasks/{task.id}/reassign?next={back}")
    assert form.status_code == 200 and f'name="next" value="{back}"' in form.get_data(as_text=True)
    done = post(admin, f"/tasks/{task.id}/reassign", {"to": "hugo.hub", "reason": "Fran is leaving", "next": back},
                page=f"/tasks/{task.id}/reassign")
    assert done.status_code == 302 and done.location.endswith(back)
    moved = gate4_task(db, at_gate4)
    assert (moved.assignee, moved.claimed_by) == ("hugo.hub", None)
    shown = words(signed_in(app, "hugo.hub").get(f"/tasks/{moved.id}"))
    assert "Reassigned from fran.finance to you on 2 March 2026: Fran is leaving" in shown
    assert "They hold no open task." in text_of(admin.get(back))


def test_a_board_members_scoring_is_offered_only_to_board_members_without_a_score_of_their_own(app, db, clock,
                                                                                              at_gate4):
    from demo import seed
    from demo.walker import Walker
    from tests.diagram.test_six_gates import plan
    db.writing(lambda s: accounts.add_user(s, username="nia.board", roles=["board_member"], actor="test",
                                           clock=clock))
    walker = Walker(db, clock)
    project = walker.start()
    walker.walk(project, plan(invite_partners={"invited_partners": [seed.MEDTECH], "board_members": [
        "bea.board", "ben.board"], "call_closes_at": "2026-03-20"}), stop_at="submit_eoi")
    walker.walk(project, plan(), stop_at="score_eois")
    task = next(t for t in walker.open_tasks(project) if t.assignee == "bea.board")
    form = signed_in(app, "hana.hub").get(f"/tasks/{task.id}/reassign").get_data(as_text=True)
    offered = re.findall(r'<option value="([^"]+)"', form.split('id="to"')[1].split("</select>")[0])
    assert offered == ["bill.board", "nia.board"]  # Ben scores these EoIs already: one person, one score
