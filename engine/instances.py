"""Instance queries: what a user may see of the projects running on the procedure."""
from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import policy
from .errors import BadRequest, Forbidden
from .history import chain_of, event_view, list_events
from .models import ProcessInstance, Task, User
from .runtime import get_instance
from .tasks import MAX_PAGE, task_summary

STATUSES = ("running", "completed", "error")


def list_instances(session: Session, *, user: User, status: str | None = None, stage: str | None = None,
                   limit: int = 50, offset: int = 0) -> list[ProcessInstance]:
    if status and status not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}.")
    if not 0 < limit <= MAX_PAGE or offset < 0:
        raise BadRequest(f"limit must be 1..{MAX_PAGE} and offset 0 or more.")
    stmt = select(ProcessInstance)
    clause = policy.visible_instances_clause(user)
    if clause is not None:
        stmt = stmt.where(clause)
    if status:
        stmt = stmt.where(ProcessInstance.status == status)
    if stage:
        stmt = stmt.where(ProcessInstance.stage == stage)
    stmt = stmt.order_by(ProcessInstance.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(stmt))


def instance_summary(instance: ProcessInstance) -> dict:
    version = instance.process_version
    return {"id": instance.id, "title": instance.title, "status": instance.status,
            "stage": instance.stage, "process": version.key, "version": version.version,
            "version_hash": version.content_hash, "started_by": instance.started_by,
            "started_at": instance.started_at.isoformat(), "updated_at": instance.updated_at.isoformat(),
            "completed_at": instance.completed_at.isoformat() if instance.completed_at else None}


def instance_detail(session: Session, *, user: User, instance_id: int) -> dict:
    """Status, stage, pinned version, open tasks and the data the user may see."""
    instance = get_instance(session, user=user, instance_id=instance_id)
    open_tasks = session.scalars(select(Task).where(Task.instance_id == instance.id, Task.state == "ready")
                                 .order_by(Task.created_at))
    data = json.loads(instance.data_json or "{}")
    reader = policy.reader_for(user, instance, data)
    shown = [_task_as_read(task_summary(t), t, reader) for t in open_tasks if policy.may_see_task(user, t)]
    detail = instance_summary(instance)
    detail.update(open_tasks=shown, data=reader.data(data))
    return detail


def instance_events(session: Session, *, user: User, instance_id: int) -> list[dict]:
    """The audit trail of one instance: auditors, and participants of that instance."""
    instance = get_instance(session, user=user, instance_id=instance_id)
    if not policy.may_read_events(session, user, instance):
        raise Forbidden("Only auditors and the people taking part can read this history.")
    reader = policy.reader_for(user, instance)
    rows = {t.id: t for t in session.scalars(select(Task).where(Task.instance_id == instance.id))}
    shown = []
    for event in list_events(session, chain_of(instance.id)):
        task = rows.get(event.task_id or "")
        view = reader.event(event_view(event), task=task, task_visible=task is None or policy.may_see_task(user, task))
        if view is not None:
            shown.append(view)
    return shown


def _task_as_read(summary: dict, task: Task, reader: policy.Reader) -> dict:
    """Who holds or completed a task, as the reader may know them."""
    return {**summary, **{k: reader.person(summary[k], task) for k in ("assignee", "claimed_by", "completed_by")}}

