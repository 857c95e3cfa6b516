""""My projects": the challenges a person proposed and the projects their organisation takes part in, each with
its stage and status and what it is waiting on, as far as they may see it."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine import policy
from engine.kernel.stages import stage_name
from engine.runtime.instance_queries import instance_summary
from engine.store.lists import list_token
from engine.store.models import ProcessInstance, Task, User

LIMIT = 200


def my_projects(session: Session, *, user: User) -> list[dict]:
    """Newest first. Each: the project summary as the user may read it, its stage's name, whether its sponsor may
    still withdraw it, and its open steps the user may see with who they wait on."""
    mine = [ProcessInstance.started_by == user.username]
    if user.organisation_name:
        mine.append(ProcessInstance.organisations.contains(list_token(user.organisation_name), autoescape=True))
    found = [i for i in session.scalars(select(ProcessInstance).where(or_(*mine))
                                        .order_by(ProcessInstance.id.desc()).limit(LIMIT))
             if policy.may_see_instance(user, i)]
    open_tasks: dict[int, list[Task]] = {}
    for task in session.scalars(select(Task).where(Task.instance_id.in_([i.id for i in found]),
                                                   Task.state == "ready").order_by(Task.created_at)):
        open_tasks.setdefault(task.instance_id, []).append(task)
    projects = []
    for instance in found:
        reader = policy.reader_for(user, instance)
        summary = instance_summary(session, user, instance, reader)
        waiting = [{"task_id": t.id, "title": t.title, "waiting_on": _waiting_on(user, t),
                    "due_at": t.due_at.isoformat() if t.due_at else None, "yours": policy.may_act_on(user, t) is None}
                   for t in open_tasks.get(instance.id, []) if policy.may_see_task(user, t) and reader.sees_task(t)]
        projects.append({**summary, "stage_name": stage_name(summary["stage"]) if summary["stage"] else "",
                         "waiting": waiting,
                         "may_withdraw": policy.may_withdraw_now(user, instance)})
    return projects


# Who each lane is, as people at a trust or a company would say it.
LANE_WORDS = {
    "sponsor": "the sponsor", "hub_team": "the Hub team", "industry_partner": "the industry partner",
    "board_member": "the project board", "board_chair": "the board chair", "clinical_lead": "the clinical lead",
    "finance_approver": "finance", "evidence_panel": "the evidence panel", "dmbc_board": "the DMBC board",
    "procurement": "procurement",
}


def _waiting_on(user: User, task: Task) -> str:
    """Who a step waits on, in words the reader may know: never another organisation's people by name."""
    holder = task.claimed_by or task.assignee
    if holder == user.username or (not holder and policy.may_act_on(user, task) is None):
        return "you"
    if holder and policy.is_internal(user):
        return holder
    if task.organisations and list_token(user.organisation_name or "") in task.organisations:
        return "your organisation"
    return LANE_WORDS.get(task.role or "", "the Hub team") if not holder else "a named person"
