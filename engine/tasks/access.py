"""A task as the person asking may reach it, and its form as they will fill it in."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import policy, spiff
from engine.errors import Conflict, Forbidden, NotFound
from engine.kernel.task_rules import FORM
from engine.repository.deployments import forms_of
from engine.repository.forms import fill_options
from engine.store.actor_names import actor_name
from engine.store.models import ProcessInstance, ProcessVersion, Task, User
from engine.tasks.choices import option_source


def load_task(session: Session, *, user: User, task_id: str) -> tuple[Task, ProcessInstance]:
    row = session.get(Task, task_id)
    if row is None:
        raise NotFound("No such task.")
    instance = session.get(ProcessInstance, row.instance_id)
    if not policy.may_see_instance(user, instance) or not policy.may_see_task(user, row):
        raise NotFound("No such task.")
    return row, instance


def form_schema(session: Session, version: ProcessVersion, compiled: spiff.CompiledProcess,
                bpmn_id: str, data: dict) -> dict | None:
    """The task's JSON Schema with data-dependent choices filled in."""
    schema = form_as_deployed(version, compiled, bpmn_id)
    if schema is None:
        return None
    return fill_options(schema, data=data, directory=option_source(session))


def form_as_deployed(version: ProcessVersion, compiled: spiff.CompiledProcess, bpmn_id: str) -> dict | None:
    """The task's JSON Schema as its version holds it (shared: never change it)."""
    spec = compiled.user_tasks.get(bpmn_id)
    name = spec.properties.get(FORM.name) if spec else None
    return forms_of(version).get(name) if name else None


def name_for(session: Session, reader: User, username: str | None) -> str:
    """Who did something to a task, as a refusal tells this reader: by name inside the Hub, else "someone else"."""
    if not username:
        return "the process"
    if not policy.is_internal(reader):
        return "someone else"
    person = session.scalar(select(User).where(User.username == username))
    return actor_name(username, {username: person.display_name} if person else {})


def open_task_for(session: Session, user: User, task_id: str) -> tuple[Task, ProcessInstance]:
    """A task still open that this person may act on now."""
    task, instance = load_task(session, user=user, task_id=task_id)
    if task.state != "ready":
        raise Conflict(f"This task was already {task.state} by {name_for(session, user, task.completed_by)}.")
    reason = policy.may_act_on(user, task)
    if reason:
        raise Forbidden(reason)
    return task, instance


def open_running_task(session: Session, user: User, task_id: str) -> tuple[Task, ProcessInstance]:
    """An open task this person may act on now, in a project that is running (a held project's tasks wait)."""
    task, instance = open_task_for(session, user, task_id)
    if instance.status != "running":
        raise Conflict("This project is on hold: its tasks can be done again once the Hub team resumes it.")
    return task, instance
