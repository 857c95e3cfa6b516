"""Instance queries: what a user may see of the projects running on the procedure."""
from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import policy
from engine.errors import BadRequest, Forbidden
from engine.runtime.instances import get_instance
from engine.store.models import AuditEvent, ProcessInstance, Task, User
from engine.store.trail import chain_of, list_events
from engine.tasks.queries import MAX_PAGE, task_summary

STATUSES = ("running", "on_hold", "completed", "withdrawn", "stopped", "error")


def list_instances(session: Session, *, user: User, status: str | None = None, stage: str | None = None,
                   limit: int = 50, offset: int = 0) -> list[ProcessInstance]:
    _check_page(limit, offset)
    stmt = _visible(user, status).order_by(ProcessInstance.id.desc())
    if stage:
        stmt = stmt.where(ProcessInstance.stage == stage)
    return list(session.scalars(stmt.limit(limit).offset(offset)))


def instance_summaries(session: Session, *, user: User, status: str | None = None, stage: str | None = None,
                       limit: int = 50, offset: int = 0) -> list[dict]:
    """GET /instances: each project as the user may read it. Outside the Hub the stage filter matches the
    stage as they see it (a stage they do not follow is not theirs to search by); they see few projects."""
    if not policy.may_read_as_outsider(user):
        found = list_instances(session, user=user, status=status, stage=stage, limit=limit, offset=offset)
        return [instance_summary(session, user, i) for i in found]
    _check_page(limit, offset)
    rows = [instance_summary(session, user, i)
            for i in session.scalars(_visible(user, status).order_by(ProcessInstance.id.desc()))]
    return [r for r in rows if not stage or r["stage"] == stage][offset:offset + limit]


def _check_page(limit: int, offset: int) -> None:
    if not 0 < limit <= MAX_PAGE or offset < 0:
        raise BadRequest(f"limit must be 1..{MAX_PAGE} and offset 0 or more.")


def _visible(user: User, status: str | None):
    if status and status not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}.")
    stmt = select(ProcessInstance)
    clause = policy.visible_instances_clause(user)
    if clause is not None:
        stmt = stmt.where(clause)
    return stmt.where(ProcessInstance.status == status) if status else stmt


def instance_summary(session: Session, user: User, instance: ProcessInstance,
                     reader: policy.Reader | None = None) -> dict:
    """Who started it and the stage as the user may know them; outside the Hub, updated_at is the time of
    the last event they may see (the record's own would tell them when a competitor answered)."""
    reader = reader or policy.reader_for(user, instance)
    version = instance.process_version
    updated = instance.updated_at
    if reader.outside:
        seen = events_as_read(session, user, instance, reader)
        updated = max((e["at"] for e in seen), default=instance.started_at.isoformat())
    else:
        updated = updated.isoformat()
    return {"id": instance.id, "title": instance.title, "status": instance.status,
            "stage": reader.stage(instance.stage), "process": version.key, "version": version.version,
            "version_hash": version.content_hash, "started_by": reader.person(instance.started_by),
            "started_at": instance.started_at.isoformat(), "updated_at": updated,
            "completed_at": instance.completed_at.isoformat() if instance.completed_at else None}


def instance_detail(session: Session, *, user: User, instance_id: int) -> dict:
    """Status, stage, pinned version, open tasks and the data the user may see."""
    instance = get_instance(session, user=user, instance_id=instance_id)
    open_tasks = session.scalars(select(Task).where(Task.instance_id == instance.id, Task.state == "ready")
                                 .order_by(Task.created_at))
    data = json.loads(instance.data_json or "{}")
    reader = policy.reader_for(user, instance, data)
    shown = [task_summary(t, reader) for t in open_tasks if policy.may_see_task(user, t) and reader.sees_task(t)]
    detail = instance_summary(session, user, instance, reader)
    detail.update(open_tasks=shown, data=reader.data(data))
    return detail


def instance_events(session: Session, *, user: User, instance_id: int) -> list[dict]:
    """The audit trail of one instance: auditors, and participants of that instance."""
    instance = get_instance(session, user=user, instance_id=instance_id)
    if not policy.may_read_events(session, user, instance):
        raise Forbidden("Only auditors and the people taking part can read this history.")
    return events_as_read(session, user, instance, policy.reader_for(user, instance))


def events_as_read(session: Session, user: User, instance: ProcessInstance, reader: policy.Reader) -> list[dict]:
    """The project's events the reader may see, as they may see them (numbered 1..n outside the Hub)."""
    return [view for _event, view in record_as_read(session, user, instance, reader) if view is not None]


def record_as_read(session: Session, user: User, instance: ProcessInstance,
                   reader: policy.Reader) -> list[tuple[AuditEvent, dict | None]]:
    """Every event of the project with its view for the reader (None: not theirs to see), in record order."""
    rows = {t.id: t for t in session.scalars(select(Task).where(Task.instance_id == instance.id))}
    events = list_events(session, chain_of(instance.id))
    return list(zip(events, policy.events_as_shown(user, instance, reader, events, rows), strict=True))


def tasks_as_read(session: Session, *, user: User, rows: list[Task], acted_on: bool = False) -> list[dict]:
    """Task answers (the tasks a completion made ready, the inbox; with acted_on, the task the user just claimed
    or released): only tasks the user may see, with who holds or completed them as the user may know them
    (a partner completing the last EoI is not told the board's usernames)."""
    readers: dict[int, policy.Reader] = {}
    shown = []
    for task in rows:
        if task.instance_id not in readers:
            readers[task.instance_id] = policy.reader_for(user, session.get(ProcessInstance, task.instance_id))
        reader = readers[task.instance_id]
        if acted_on or (policy.may_see_task(user, task) and reader.sees_task(task)):
            shown.append(task_summary(task, reader))
    return shown
