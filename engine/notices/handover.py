"""Handing an open task to another person (reassigned by the Hub team, or passed to an absent person's
delegate): who may be given it, the task row, the event on the project's trail that the verifier re-runs, and the
new holder told. Its reminders start again for them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine import policy
from engine.notices.alerts import DUE_SOON_SENT, GRACE, NONE_SENT
from engine.notices.outbox import Message, send
from engine.store.models import ProcessInstance, Task, User
from engine.store.trail import record_event


def refusal(session: Session, task: Task, instance: ProcessInstance, person: User) -> str | None:
    """Why `person` may not be given this task, or None: policy's rules for doing it (role, organisation, four eyes),
    seeing its project, and one share per person of a step done by several (one board member, one score)."""
    why_not = policy.may_act_on(person, Task(role=task.role, assignee=person.username,
                                             organisations=task.organisations, excluded_users=task.excluded_users))
    if why_not:
        return why_not
    if not policy.may_see_instance(person, instance):
        return "They may not see this project."
    share = select(Task.id).where(
        Task.instance_id == task.instance_id, Task.bpmn_id == task.bpmn_id, Task.id != task.id,
        Task.created_at == task.created_at,  # made ready together: the shares of one multi-instance step
        or_(Task.assignee == person.username, Task.claimed_by == person.username,
            Task.completed_by == person.username))
    if session.scalars(share.limit(1)).first() is not None or policy.scores_already(person, task, instance):
        return "They already have their own share of this step: one person, one say."
    return None


def hand_over(session: Session, instance: ProcessInstance, task: Task, to: User, *, actor: str, reason: str,
              now: datetime, message: Message, delegated: bool = False) -> None:
    """Bind the task to `to` alone (the caller has asked `refusal`). A claim and a draft are the previous holder's,
    so they go; the new holder is reminded afresh (told it is overdue if it is)."""
    before = task.claimed_by or task.assignee
    task.assignee, task.claimed_by, task.draft_json = to.username, None, None
    if task.due_at is not None and task.due_at <= now:
        grace = (task.escalate_at - task.due_at) if task.escalate_at else GRACE
        task.alert_stage, task.escalate_at = DUE_SOON_SENT, now + grace
    else:
        task.alert_stage = NONE_SENT
    data = {"from": before, "to": to.username, "reason": reason}
    record_event(session, instance=instance, at=now, actor=actor, kind="task_reassigned", task_id=task.id,
                 task_name=task.bpmn_id, data={**data, "delegated": True} if delegated else data)
    send(session, [to], message, now=now)
