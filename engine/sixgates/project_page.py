"""The project page: one instance at a glance — where it stands on its diagram, who holds each
open task, its gate decisions so far and its data. Reads the task table and the audit trail
only: it never deserialises a workflow."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import policy
from engine.kernel.stages import STAGES, stage_name
from engine.repository.deployments import compiled_for
from engine.runtime.instance_queries import record_as_read
from engine.runtime.instances import get_instance
from engine.sixgates.next_steps import steps_after
from engine.store.actor_names import actor_name
from engine.store.lists import names_in
from engine.store.models import AuditEvent, ProcessInstance, Task, User

# Audit events that mark a diagram element (not a user task) as passed.
STEP_KINDS = ("gateway_taken", "decision_made", "timer_fired")
DECISION_SUFFIX = "_decision"
NOT_FOLLOWED_NAME = "Not followed by you: the Hub and the selected partners take it on"


def project_view(session: Session, *, user: User, instance_id: int, now: datetime) -> dict:
    """Everything the project page shows, as this user may see it.

    `now` decides which open tasks are overdue. Raises NotFound when there is no such
    project or the user may not see it (a partner whose organisation takes no part).
    """
    instance = get_instance(session, user=user, instance_id=instance_id)
    version = instance.process_version
    titles = {k: spec.title for k, spec in compiled_for(version).user_tasks.items()}
    rows = list(session.scalars(select(Task).where(Task.instance_id == instance.id)
                                .order_by(Task.created_at, Task.id)))
    data = json.loads(instance.data_json or "{}")
    reader = policy.reader_for(user, instance, data)
    visible = {r.id: r for r in rows if policy.may_see_task(user, r) and reader.sees_task(r)}
    # Only what the reader may see of the record: a competitor's EoI task, done or open, is not theirs,
    # nor, outside the Hub, a stage they do not follow. Numbered as they see it.
    seen = [(e, view) for e, view in record_as_read(session, user, instance, reader) if view is not None]
    views = {e.seq: view for e, view in seen}
    events = [e for e, _view in seen]
    completed = _in_order_done(events, [r.bpmn_id for r in visible.values() if r.state == "completed"]
                               + [e.task_name for e in events if e.kind in STEP_KINDS and e.task_name])
    active = _unique([r.bpmn_id for r in visible.values() if r.state == "ready"])
    open_tasks = [{**_open_task(r, now, reader), "may_open": policy.may_open_task(user, r)}
                  for r in visible.values() if r.state == "ready"]
    history = [_history_entry(e, titles, views[e.seq]) for e in events
               if e.kind == "task_completed" and e.task_id in visible]
    names = _display_names(session, [t["holder"] for t in open_tasks] + [h["actor"] for h in history]
                           + [reader.person(instance.started_by)])
    for item in open_tasks:
        item["holder_name"] = names.get(item["holder"], item["holder"])
    for item in history:
        item["actor_name"] = names.get(item["actor"], item["actor"])
    return {
        **_summary(instance, names, reader),
        "may_read_history": policy.may_read_events(session, user, instance),
        "diagram_xml": version.bpmn_xml,
        "completed": completed,
        "active": active,
        "finished_titles": _unique([titles[i] for i in completed if i in titles]),
        "current_titles": _unique([titles.get(i, i) for i in active]),
        "next_titles": steps_after(version, active) if instance.status in ("running", "on_hold")
        and policy.may_see_process_diagram(user) else [],
        "stages": stage_timeline(instance.stage, instance.status, reader),
        "open_tasks": open_tasks,
        "history": history,
        "data": reader.data(data),
        # The people its answers name (board members...), so that a page shows their names, never usernames.
        "people": people_named_in(session, reader.data(data)),
        "may_see_diagram": policy.may_see_process_diagram(user),
    }


def stage_timeline(stage: str | None, status: str, reader: policy.Reader) -> list[dict]:
    """The procedure's stages the reader follows, in order, each done, current or to come (a finished
    project's all done). `state` is "done", "current" or "to_come"."""
    order = [key for key in STAGES if key != "closed"]
    at = len(order) if stage == "closed" or status == "completed" else \
        order.index(stage) if stage in order else -1
    return [{"key": key, "name": name, "state": "done" if i < at else "current" if i == at else "to_come"}
            for i, (key, name) in enumerate((k, STAGES[k]) for k in order) if reader.follows(key)]


def _summary(instance: ProcessInstance, names: dict[str, str], reader: policy.Reader) -> dict:
    version = instance.process_version
    stage, started_by = reader.stage(instance.stage), reader.person(instance.started_by)
    return {
        "id": instance.id, "title": instance.title, "status": instance.status,
        "stage": stage, "stage_name": stage_name(stage) if stage != policy.NOT_FOLLOWED else NOT_FOLLOWED_NAME,
        "version": {"id": version.id, "key": version.key, "name": version.name, "version": version.version,
                    "hash": version.content_hash},
        "started_by": started_by,
        "started_by_name": names.get(started_by, started_by),
        "started_at": instance.started_at, "completed_at": instance.completed_at,
    }


def _open_task(row: Task, now: datetime, reader: policy.Reader) -> dict:
    """An open task and who holds it: the person who claimed it, the person it is assigned to,
    or anyone with the role (at the task's organisation, for a partner's task)."""
    holder = reader.person(row.claimed_by or row.assignee, row)
    organisations = names_in(row.organisations)
    return {"id": row.id, "bpmn_id": row.bpmn_id, "title": row.title, "role": row.role,
            "stage_name": stage_name(row.stage), "holder": holder, "claimed": bool(row.claimed_by),
            "organisations": organisations, "due_at": row.due_at,
            "overdue": row.due_at is not None and row.due_at < now}


def _history_entry(event: AuditEvent, titles: dict[str, str], shown: dict) -> dict:
    """A completed task as the reader sees it (shown: its event as they may read it, numbered for them)."""
    decisions = {k: v for k, v in (shown.get("data") or {}).items()
                 if k.endswith(DECISION_SUFFIX) and v not in (None, "")}
    return {"seq": shown["seq"], "at": event.at, "actor": shown.get("actor"), "bpmn_id": event.task_name,
            "title": titles.get(event.task_name or "", event.task_name or ""), "decisions": decisions}


def _display_names(session: Session, usernames: list[str | None]) -> dict[str, str]:
    wanted = {u for u in usernames if u}
    if not wanted:
        return {}
    found = dict(session.execute(select(User.username, User.display_name).where(User.username.in_(wanted))).all())
    return {**{u: actor_name(u, found) for u in wanted}, policy.SOMEONE: policy.SOMEONE.capitalize()}


def people_named_in(session: Session, value) -> dict[str, str]:
    """The people a project's data names by username (board members...) -> their display names."""
    return dict(session.execute(select(User.username, User.display_name)
                                .where(User.username.in_(_texts_in(value)))).all())


def _texts_in(value) -> set[str]:
    """The one-word texts in the project's data: the usernames among them are looked up."""
    if isinstance(value, dict):
        return set().union(set(), *(_texts_in(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(set(), *(_texts_in(v) for v in value))
    return {value} if isinstance(value, str) and 0 < len(value) <= 80 and " " not in value else set()


def _in_order_done(events: list[AuditEvent], ids: list[str]) -> list[str]:
    """The ids, each once, in the order the audit trail first records them as done."""
    first: dict[str, int] = {}
    for event in events:
        if event.task_name and (event.kind == "task_completed" or event.kind in STEP_KINDS):
            first.setdefault(event.task_name, event.seq)
    return sorted(_unique(ids), key=lambda i: first.get(i, len(events) + 1))


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
