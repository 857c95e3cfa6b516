"""Reassigning an open task to another person, with a reason (someone left, is ill, or holds a board member's
scoring), and the open tasks a person holds (to reassign before disabling them)."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine import policy
from engine.clock import Clock
from engine.errors import BadRequest, Conflict, Forbidden
from engine.identity.accounts import get_user
from engine.kernel.change import lock_instance
from engine.notices import messages
from engine.notices.handover import hand_over, refusal
from engine.store.models import AuditEvent, Task, User
from engine.tasks.access import load_task

MAX_REASON = 1000


def reassign_task(session: Session, *, user: User, task_id: str, to: str, reason: str, clock: Clock) -> Task:
    """Give the task to `to` alone. Raises NotFound, Forbidden (not the Hub team or an admin), Conflict (no longer
    open) or BadRequest (no reason, or a person whom policy would not let do it: role, organisation, four eyes)."""
    task, instance = load_task(session, user=user, task_id=task_id)
    if not policy.may_reassign(user):
        raise Forbidden("Only the Hub team or an administrator can reassign a task.")
    if task.state != "ready":
        raise Conflict(f"This task is already {task.state}: it cannot be reassigned.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise BadRequest("Say why the task is reassigned.", fields={"reason": "Enter a reason."})
    if len(reason) > MAX_REASON:
        raise BadRequest("The reason is too long.", fields={"reason": f"Use at most {MAX_REASON} characters."})
    target = get_user(session, (to or "").strip())
    if target is None or not target.active:
        raise BadRequest("Choose a person who can sign in to Six Gates.", fields={"to": "No such active person."})
    if target.username == (task.claimed_by or task.assignee):
        raise BadRequest(f"{target.display_name} already holds this task.", fields={"to": "Choose someone else."})
    why_not = refusal(session, task, instance, target)
    if why_not:
        raise BadRequest(f"{target.display_name} cannot do this task. {why_not}", fields={"to": why_not})
    lock_instance(instance, clock)
    hand_over(session, instance, task, target, actor=user.username, reason=reason, now=clock.now(),
              message=messages.reassigned(task, instance, by=user, reason=reason, to=target))
    return task


def last_reassignment(session: Session, task: Task) -> AuditEvent | None:
    """The event that last gave this task to someone else (its data: from, to, reason, and whether delegated)."""
    return session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == task.instance_id, AuditEvent.task_id == task.id,
        AuditEvent.kind == "task_reassigned").order_by(AuditEvent.seq.desc()).limit(1)).first()


def open_tasks_held_by(session: Session, *, user: User, username: str) -> list[Task]:
    """The open tasks bound to or claimed by one person: what to reassign before they leave."""
    if not policy.may_reassign(user):
        raise Forbidden("Only the Hub team or an administrator can see whose tasks are whose.")
    return list(session.scalars(select(Task).where(
        Task.state == "ready", or_(Task.assignee == username, Task.claimed_by == username))
        .order_by(Task.due_at, Task.created_at)))
