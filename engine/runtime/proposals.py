"""Proposing: the first task's form shown before any project exists, and the project started only when its
answers are submitted (or kept as a draft), in the caller's unit of work."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import ProcessFailed
from engine.kernel.task_rules import FORM_LAYOUT
from engine.repository.deployments import forms_of
from engine.runtime.instances import first_steps, start_instance
from engine.store.models import ProcessInstance, Task, User
from engine.tasks import claims, completion, queries
from engine.tasks.access import form_schema


@dataclass(frozen=True)
class FirstForm:
    """The form a new project starts with."""
    title: str
    documentation: str
    form: dict | None
    ui_schema: dict | None


def first_form(session: Session, *, user: User, process_key: str, clock: Clock) -> FirstForm:
    """The empty form of the process's first task, creating nothing.

    Raises NotFound (no such process) or Forbidden (the user may not start it)."""
    version, compiled, _wf, ready = first_steps(session, user=user, process_key=process_key, clock=clock)
    spec = compiled.user_tasks.get(ready[0].bpmn_id)
    layout = spec.properties.get(FORM_LAYOUT.name) if spec else None
    return FirstForm(ready[0].title, spec.documentation if spec else "",
                     form_schema(session, version, compiled, ready[0].bpmn_id, {}),
                     forms_of(version).get(layout) if layout else None)


def propose(session: Session, *, user: User, process_key: str, data: dict, clock: Clock) -> ProcessInstance:
    """Start a project and submit its first task's answers together: refused answers (ValidationFailed) start
    nothing, as the caller's unit of work is rolled back. Raises what start_instance and complete_task raise."""
    instance, first = _started(session, user, process_key, clock)
    completion.complete_task(session, user=user, task_id=first.id, data=data, clock=clock)
    return instance


def propose_draft(session: Session, *, user: User, process_key: str, data: dict, clock: Clock) -> Task:
    """Start a project whose first task holds these answers as its proposer's draft."""
    _, first = _started(session, user, process_key, clock)
    return claims.save_draft(session, user=user, task_id=first.id, data=data, clock=clock)


def _started(session: Session, user: User, process_key: str, clock: Clock) -> tuple[ProcessInstance, Task]:
    instance = start_instance(session, user=user, process_key=process_key, clock=clock)
    session.flush()
    first = queries.list_tasks(session, user=user, instance_id=instance.id, limit=1)
    if not first:
        raise ProcessFailed(f"{process_key} started without a first task for its proposer.")
    return instance, first[0]
