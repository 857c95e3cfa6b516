"""What follows a change to a project, in its transaction: a task made for someone who is away goes to their
delegate, the people who may do each new task are told, and the sponsor and partners hear of a new stage.
Every service that moves a project calls after_change once its workflow is saved."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import policy
from engine.identity.delegation import delegate_on
from engine.notices import messages
from engine.notices.handover import hand_over
from engine.notices.outbox import send
from engine.notices.recipients import project_followers, task_holders
from engine.store.models import AuditEvent, ProcessInstance, Task
from engine.store.trail import chain_of


def after_change(session: Session, instance: ProcessInstance, *, since_seq: int, stage_before: str,
                 actor: str) -> None:
    """Follow up the events this change recorded after `since_seq` (the instance's audit_seq before it)."""
    made_ready = session.scalars(select(AuditEvent).where(
        AuditEvent.chain == chain_of(instance.id), AuditEvent.seq > since_seq, AuditEvent.kind == "task_ready")
        .order_by(AuditEvent.seq)).all()
    for event in made_ready:
        task = session.get(Task, event.task_id)
        if task is None or task.state != "ready":
            continue
        if not _to_delegate(session, instance, task, at=event.at):
            told = [u for u in task_holders(session, task) if u.username != actor]  # the actor sees it already
            send(session, told, messages.task_ready(task, instance), now=event.at)
    if instance.stage != stage_before:
        _tell_followers(session, instance, actor=actor)


def _tell_followers(session: Session, instance: ProcessInstance, *, actor: str) -> None:
    """The sponsor and partners hear of a stage as they see it, and of none they do not follow."""
    for follower in project_followers(session, instance):
        seen = policy.reader_for(follower, instance).stage(instance.stage)
        if follower.username != actor and seen:
            send(session, [follower], messages.stage_changed(instance, _stage_label(seen)), now=instance.updated_at)


def _to_delegate(session: Session, instance: ProcessInstance, task: Task, *, at) -> bool:
    """A task made for one person who is away goes to their delegate, if policy lets the delegate do it."""
    if not task.assignee:
        return False
    away = delegate_on(session, task.assignee, today=at.date())
    if away is None:
        return False
    delegate, delegation = away
    if policy.may_act_on(delegate, _as_if_held_by(task, delegate.username)) is not None:
        return False
    hand_over(session, instance, task, delegate, actor=task.assignee, now=at, delegated=True,
              reason=f"{task.assignee} is away until {delegation.ends_on.isoformat()}; "
                     f"{delegate.username} is their delegate")
    return True


def _as_if_held_by(task: Task, username: str) -> Task:
    """A detached copy of the task bound to `username`, for policy to judge before anything changes."""
    return Task(role=task.role, assignee=username, organisations=task.organisations,
                excluded_users=task.excluded_users, claimed_by=None)


def _stage_label(key: str) -> str:
    return key.replace("_", " ").capitalize()
