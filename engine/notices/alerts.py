"""Reminders of tasks falling due, sent by the worker: "due soon" to whoever holds a task (a lead time before
it is due), "overdue" to them when it is, and after the task's grace period (its escalateAfter) the Hub team is
told. Each task moves through these once, by a compare-and-set on its alert stage, so two workers never send one
twice; a project on hold or ended sends none."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from engine import spiff
from engine.clock import Clock
from engine.kernel.task_rules import DEFAULT_GRACE
from engine.notices import messages
from engine.notices.outbox import send
from engine.notices.recipients import escalation_contacts, holders_of
from engine.store.db import Database
from engine.store.models import ProcessInstance, Task

NONE_SENT, DUE_SOON_SENT, OVERDUE_SENT, ESCALATED = 0, 1, 2, 3  # Task.alert_stage
BATCH = 200
GRACE = spiff.parse_duration(DEFAULT_GRACE)  # for tasks made before their escalation time was kept


def _due_clause(now: datetime, lead: timedelta):
    return and_(Task.state == "ready", Task.due_at.is_not(None), or_(
        and_(Task.alert_stage == NONE_SENT, Task.due_at <= now + lead),
        and_(Task.alert_stage == DUE_SOON_SENT, Task.due_at <= now),
        and_(Task.alert_stage == OVERDUE_SENT, or_(Task.escalate_at <= now,  # none before migration 0008:
                                                    and_(Task.escalate_at.is_(None), Task.due_at <= now - GRACE)))))


def send_due_alerts(db: Database, *, clock: Clock, lead: timedelta) -> int:
    """Send every reminder due now, each task in its own short transaction; returns how many were sent."""
    now = clock.now()
    with db.reading() as session:
        due = list(session.scalars(select(Task.id).join(ProcessInstance, ProcessInstance.id == Task.instance_id)
                                   .where(_due_clause(now, lead), ProcessInstance.status == "running")
                                   .order_by(Task.due_at).limit(BATCH)))
    return sum(db.writing(lambda s, t=task_id: _alert(s, t, now=now, lead=lead)) for task_id in due)


def _alert(session: Session, task_id: str, *, now: datetime, lead: timedelta) -> int:
    task = session.get(Task, task_id)
    if task is None or task.state != "ready" or task.due_at is None:
        return 0
    instance = session.get(ProcessInstance, task.instance_id)
    if instance is None or instance.status != "running":
        return 0
    stage = task.alert_stage
    if stage == NONE_SENT and now < task.due_at <= now + lead:
        new, people, message = DUE_SOON_SENT, holders_of(session, task, instance), messages.due_soon(task, instance)
    elif stage in (NONE_SENT, DUE_SOON_SENT) and task.due_at <= now:
        new, people, message = OVERDUE_SENT, holders_of(session, task, instance), messages.overdue(task, instance)
    elif stage == OVERDUE_SENT and (task.escalate_at or task.due_at + GRACE) <= now:
        new, people, message = ESCALATED, escalation_contacts(session), messages.escalated(task, instance)
    else:
        return 0
    moved = session.execute(update(Task).where(Task.id == task_id, Task.alert_stage == stage)
                            .values(alert_stage=new).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        return 0  # another worker sent it
    send(session, people, message, now=now)
    return 1


def next_alert_at(session: Session, lead: timedelta) -> datetime | None:
    """When the next reminder falls due (for the worker's sleep)."""
    def earliest(column, stage: int) -> datetime | None:
        return session.scalar(select(func.min(column)).join(ProcessInstance, ProcessInstance.id == Task.instance_id)
                              .where(Task.state == "ready", ProcessInstance.status == "running",
                                     Task.alert_stage == stage))
    due_soon = earliest(Task.due_at, NONE_SENT)
    times = (due_soon - lead if due_soon else None, earliest(Task.due_at, DUE_SOON_SENT),
             earliest(Task.escalate_at, OVERDUE_SENT))
    return min((t for t in times if t is not None), default=None)
