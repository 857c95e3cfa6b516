"""Task queries: the tasks a person may see, and one task with its form. Listing reads only the
task table: it never deserialises a workflow."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import policy
from engine.errors import BadRequest, Forbidden
from engine.kernel.task_rules import FORM_LAYOUT
from engine.repository.deployments import compiled_for, forms_of
from engine.store.models import ProcessInstance, Task, User
from engine.tasks.access import form_schema, load_task
from engine.tasks.decisions import CarriedAnswers, decides_on, field_titles, last_answers

MAX_PAGE = 200


def list_tasks(session: Session, *, user: User, stage: str | None = None, role: str | None = None,
               instance_id: int | None = None, limit: int = 50, offset: int = 0) -> list[Task]:
    """Ready tasks the user may act on now, soonest due first."""
    if not 0 < limit <= MAX_PAGE or offset < 0:
        raise BadRequest(f"limit must be 1..{MAX_PAGE} and offset 0 or more.")
    stmt = select(Task).where(Task.state == "ready", policy.actionable_tasks_clause(user))
    visible = policy.visible_instances_clause(user)
    if visible is not None:
        stmt = stmt.join(ProcessInstance, ProcessInstance.id == Task.instance_id).where(visible)
    if stage:
        stmt = stmt.where(Task.stage == stage)
    if role:
        stmt = stmt.where(Task.role == role)
    if instance_id is not None:
        stmt = stmt.where(Task.instance_id == instance_id)
    stmt = stmt.order_by(Task.due_at.asc().nulls_last(), Task.created_at).limit(limit).offset(offset)
    return list(session.scalars(stmt))


def instance_titles(session: Session, tasks: list[Task]) -> dict[int, str]:
    """Project titles for a page of tasks, in one query."""
    ids = {t.instance_id for t in tasks}
    if not ids:
        return {}
    return dict(session.execute(select(ProcessInstance.id, ProcessInstance.title)
                                .where(ProcessInstance.id.in_(ids))).all())


PEOPLE = ("assignee", "claimed_by", "completed_by")


def task_summary(task: Task, reader: policy.Reader | None = None) -> dict:
    """The task; with a reader, the people who hold or completed it as that reader may know them."""
    people = {k: getattr(task, k) if reader is None else reader.person(getattr(task, k), task) for k in PEOPLE}
    return {"id": task.id, "instance_id": task.instance_id, "name": task.bpmn_id, "title": task.title,
            "role": task.role, "stage": task.stage, "state": task.state,
            "due_at": task.due_at.isoformat() if task.due_at else None, **people,
            "completed_at": task.completed_at.isoformat() if task.completed_at else None}


@dataclass
class TaskDetail:
    task: Task
    instance: ProcessInstance
    form: dict | None
    ui_schema: dict | None
    documentation: str
    context: dict
    draft: dict | None
    summary: dict  # task_summary as the user may read it (who holds or completed it)
    leads_with: list[str] = field(default_factory=list)  # context keys the decision is on, shown first
    labels: dict[str, str] = field(default_factory=dict)  # the project's data keys as the forms title them
    carried: CarriedAnswers | None = None  # the answers last given to this step, when there is no draft

    @property
    def people(self) -> dict:
        return {k: self.summary[k] for k in PEOPLE}


def get_task(session: Session, *, user: User, task_id: str) -> TaskDetail:
    """The task with its form (choices filled in) and the earlier data it needs.

    Raises NotFound for unknown tasks and for tasks of another person or organisation, and
    Forbidden for those who may see the task but not open it (policy.may_open_task).
    """
    task, instance = load_task(session, user=user, task_id=task_id)
    if not policy.may_open_task(user, task):
        raise Forbidden(policy.may_act_on(user, task) or "Only the people whose task this is may open it.")
    version = instance.process_version
    compiled = compiled_for(version)
    data = json.loads(instance.data_json or "{}")
    reader = policy.reader_for(user, instance, data, task=task)
    shown = reader.data(data)  # a form's choices drawn from the data are data too: only what the reader may see
    form = form_schema(session, version, compiled, task.bpmn_id, shown) if task.state == "ready" else None
    spec = compiled.user_tasks.get(task.bpmn_id)
    ui_name = spec.properties.get(FORM_LAYOUT.name) if spec else None
    ui = forms_of(version).get(ui_name) if ui_name else None
    draft = json.loads(task.draft_json) if task.draft_json and task.claimed_by == user.username else None
    carried = last_answers(session, task) if form is not None and draft is None else None
    return TaskDetail(task, instance, form, ui, spec.documentation if spec else "", shown, draft,
                      task_summary(task, reader), decides_on(task.bpmn_id, shown), field_titles(version), carried)
