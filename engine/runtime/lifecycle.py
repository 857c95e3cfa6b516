"""A project's lifecycle beyond its diagram: the sponsor withdraws a challenge before Gate 1; the Hub team puts
a project on hold, resumes it, or stops it. Each is an event on the project's trail, which the verifier re-runs;
a project on hold fires no timers and its tasks cannot be completed, and on resuming, timers that fell due
meanwhile fire at once."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import policy
from engine.clock import Clock
from engine.errors import BadRequest, Conflict, Forbidden
from engine.kernel.change import CLOSED_STAGE, lock_instance
from engine.kernel.task_rules import DUE_BY
from engine.notices import messages
from engine.notices.outbox import send
from engine.notices.recipients import followers_of
from engine.repository.deployments import compiled_for
from engine.runtime.instances import get_instance
from engine.store.db import wake_workers
from engine.store.models import AuditEvent, ProcessInstance, Task, User
from engine.store.trail import record_event

RUNNING, ON_HOLD, WITHDRAWN, STOPPED = "running", "on_hold", "withdrawn", "stopped"
MAX_REASON = 1000


def withdraw(session: Session, *, user: User, instance_id: int, reason: str, clock: Clock) -> ProcessInstance:
    """The sponsor withdraws the challenge they proposed, before Gate 1 approves it."""
    instance = get_instance(session, user=user, instance_id=instance_id)
    if not policy.may_withdraw(user, instance):
        raise Forbidden("Only the sponsor who proposed this challenge can withdraw it.")
    _require(instance, RUNNING, ON_HOLD)
    if not policy.may_still_withdraw(instance):
        raise Conflict("This challenge has passed Gate 1: ask the Hub team to stop the project instead.")
    return _end(session, user, instance, WITHDRAWN, "instance_withdrawn", _reason(reason), clock)


def hold(session: Session, *, user: User, instance_id: int, reason: str, clock: Clock) -> ProcessInstance:
    instance = _stewarded(session, user, instance_id)
    _require(instance, RUNNING)
    return _change(session, user, instance, ON_HOLD, "instance_held", _reason(reason), clock)


def resume(session: Session, *, user: User, instance_id: int, reason: str, clock: Clock) -> ProcessInstance:
    """Its open tasks' due dates move on by as long as it was held (nobody could do them meanwhile), but for those
    due by a date the project set (dueBy: the call's or scoring's close); the diagram's own timers keep their dates,
    and those that fell due meanwhile fire at once."""
    instance = _stewarded(session, user, instance_id)
    _require(instance, ON_HOLD)
    held_at = session.scalar(select(AuditEvent.at).where(
        AuditEvent.instance_id == instance.id, AuditEvent.kind == "instance_held").order_by(AuditEvent.seq.desc()))
    _change(session, user, instance, RUNNING, "instance_resumed", _reason(reason, required=False), clock)
    held_for = clock.now() - held_at if held_at else None
    compiled = compiled_for(instance.process_version)
    for task in session.scalars(select(Task).where(Task.instance_id == instance.id, Task.state == "ready")):
        spec = compiled.user_tasks.get(task.bpmn_id)
        if held_for and task.due_at and not (spec and spec.properties.get(DUE_BY.name)):  # a set date stays set
            task.due_at += held_for
            task.escalate_at = task.escalate_at + held_for if task.escalate_at else None
    wake_workers(session)  # its timers that fell due meanwhile fire now
    return instance


def stop(session: Session, *, user: User, instance_id: int, reason: str, clock: Clock) -> ProcessInstance:
    instance = _stewarded(session, user, instance_id)
    _require(instance, RUNNING, ON_HOLD)
    return _end(session, user, instance, STOPPED, "instance_stopped", _reason(reason), clock)


def _stewarded(session: Session, user: User, instance_id: int) -> ProcessInstance:
    instance = get_instance(session, user=user, instance_id=instance_id)
    if not policy.may_steward(user):
        raise Forbidden("Only the Hub team can hold, resume or stop a project.")
    return instance


def _require(instance: ProcessInstance, *statuses: str) -> None:
    if instance.status not in statuses:
        raise Conflict(f"This project is {instance.status.replace('_', ' ')}: that cannot be done now.")


def _reason(text: str | None, *, required: bool = True) -> str:
    text = " ".join((text or "").split())
    if required and not text:
        raise BadRequest("Give a reason: it goes on the project's record.", fields={"reason": "Enter a reason."})
    if len(text) > MAX_REASON:
        raise BadRequest("The reason is too long.", fields={"reason": f"Use at most {MAX_REASON} characters."})
    return text


def _change(session: Session, user: User, instance: ProcessInstance, status: str, kind: str, reason: str,
            clock: Clock) -> ProcessInstance:
    lock_instance(instance, clock)
    now = clock.now()
    instance.status = status
    record_event(session, instance=instance, at=now, actor=user.username, kind=kind, data={"reason": reason})
    followers = [u for u, _stage in followers_of(session, instance) if u.username != user.username]
    send(session, followers, messages.lifecycle(instance, status), now=now)
    return instance


def _end(session: Session, user: User, instance: ProcessInstance, status: str, kind: str, reason: str,
         clock: Clock) -> ProcessInstance:
    """Withdrawn or stopped: its open tasks are cancelled and it waits for nothing more."""
    _change(session, user, instance, status, kind, reason, clock)
    now = clock.now()
    for task in session.scalars(select(Task).where(Task.instance_id == instance.id, Task.state == "ready")):
        task.state = "cancelled"
        record_event(session, instance=instance, at=now, actor="engine", kind="task_cancelled",
                     task_id=task.id, task_name=task.bpmn_id)
    instance.stage, instance.completed_at, instance.next_timer_at = CLOSED_STAGE, now, None
    return instance
