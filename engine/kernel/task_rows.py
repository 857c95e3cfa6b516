"""Task rows: the open user tasks of a project as the database lists them (for inboxes, policy and reports),
kept in step with the workflow at every change, each shaped by its element's properties (kernel.task_rules)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import spiff
from engine.kernel.task_rules import TaskRules, rules_for
from engine.store.lists import names_in, stored_list
from engine.store.models import ProcessInstance, Task
from engine.store.trail import record_event


def sync_task_rows(session: Session, instance: ProcessInstance, ready: list[spiff.ReadyTask],
                   compiled: spiff.CompiledProcess, *, now: datetime) -> list[Task]:
    """Cancel the rows of tasks no longer ready and add rows for tasks newly ready; returns the ready rows."""
    open_rows = {r.id: r for r in session.scalars(
        select(Task).where(Task.instance_id == instance.id, Task.state == "ready"))}
    ready_ids = {t.id for t in ready}
    for row in open_rows.values():
        if row.id not in ready_ids:
            row.state = "cancelled"
            record_event(session, instance=instance, at=now, actor="engine", kind="task_cancelled",
                         task_id=row.id, task_name=row.bpmn_id)
    rows = []
    for task in ready:
        row = open_rows.get(task.id) or _new_task_row(session, instance, compiled, task, now=now)
        rows.append(row)
    return rows


MADE_READY = "tasks_made_ready"  # session.info key: rows this unit of work made, for the follow-up to find


def made_ready(session: Session) -> list[Task]:
    """The task rows made ready in this unit of work since the last call (each is handed out once)."""
    return session.info.pop(MADE_READY, [])


def ready_event_data(role: str | None, rules: TaskRules) -> dict:
    """What the audit trail records of a task made ready; the verifier's re-run builds the same from its own run."""
    return {"role": role, "assignee": rules.assignee, "due_at": rules.due_at}


def _new_task_row(session: Session, instance: ProcessInstance, compiled: spiff.CompiledProcess,
                  task: spiff.ReadyTask, *, now: datetime) -> Task:
    row = Task(id=task.id, instance_id=instance.id, bpmn_id=task.bpmn_id, title=task.title, role=task.role,
               state="ready", created_at=now)
    rules = apply_task_rules(session, row, instance, compiled, task.data)
    session.add(row)
    session.info.setdefault(MADE_READY, []).append(row)
    record_event(session, instance=instance, at=now, actor="engine", kind="task_ready",
                 task_id=row.id, task_name=row.bpmn_id, data=ready_event_data(row.role, rules))
    return row


def apply_task_rules(session: Session, row: Task, instance: ProcessInstance, compiled: spiff.CompiledProcess,
                     data: dict) -> TaskRules:
    """What the task's element says about its row: stage, who alone may do it (assignee, organisations),
    who may not (four-eyes) and when it is due (from when it became ready)."""
    spec = compiled.user_tasks.get(row.bpmn_id)
    rules = rules_for(spec.properties if spec else {}, data, row.created_at)
    row.stage, row.assignee, row.organisations, row.due_at, row.escalate_at = (
        rules.stage, rules.assignee, rules.organisations, rules.due_at, rules.escalate_at)
    row.excluded_users = _completers(session, instance.id, rules.prepared_by)
    if row.organisations:
        instance.organisations = stored_list(sorted(set(names_in(instance.organisations))
                                                     | set(names_in(row.organisations))))
    return rules


def _completers(session: Session, instance_id: int, bpmn_id: str | None) -> str | None:
    """Everyone who completed `bpmn_id` in this project, in any round: none of them may approve it."""
    if not bpmn_id:
        return None
    names = sorted(set(session.scalars(select(Task.completed_by).where(
        Task.instance_id == instance_id, Task.bpmn_id == bpmn_id, Task.state == "completed"))) - {None})
    return stored_list(names)
