"""Completing a user task: its form's answers checked, recorded, and the project advanced."""
from __future__ import annotations

import json
import time

from sqlalchemy.orm import Session

from engine import policy, spiff
from engine.clock import Clock
from engine.documents.references import attach_documents, discard_drafts, resolve_documents
from engine.errors import Conflict, ProcessFailed, ValidationFailed
from engine.kernel.change import at_one_instant, lock_instance, save_workflow, workflow_of, workflow_to_read
from engine.notices.changes import after_change
from engine.repository.deployments import compiled_for
from engine.repository.forms import accepted_answers, answers_that_apply, field_errors, unanswered_fields
from engine.store.models import ProcessInstance, Task, User
from engine.store.trail import record_event
from engine.tasks.access import form_schema, open_running_task


def complete_task(session: Session, *, user: User, task_id: str, data: dict, clock: Clock) -> list[Task]:
    """Validate and submit a user task's form, then advance the instance.

    Raises NotFound (unknown or invisible), Forbidden, Conflict (no longer open),
    ValidationFailed (field errors; nothing changes). Returns the tasks now ready.
    """
    clock = at_one_instant(clock)
    row, instance = _open(session, user, task_id, data)
    compiled = compiled_for(instance.process_version)
    wf = workflow_of(instance, compiled)
    stage = instance.stage
    lock_instance(instance, clock)
    schema, data = _accepted(session, user, row, instance, compiled, spiff.task_data(wf, row.id), data, clock)
    since = time.time()
    try:
        spiff.complete_user_task(wf, row.id, {**unanswered_fields(schema or {}, data), **data}, clock)
    except LookupError:
        raise Conflict("This task is no longer open.") from None
    except spiff.WorkflowError as exc:
        raise ProcessFailed(f"The procedure could not go on after this task; nothing was saved. {exc}") from exc
    now = clock.now()
    row.state, row.completed_at, row.completed_by = "completed", now, user.username
    row.data_json, row.draft_json = json.dumps(data), None
    attach_documents(session, task=row, data=data, at=now)
    discard_drafts(session, task=row, keep=data)  # anyone's drafts the answers given do not name
    record_event(session, instance=instance, at=now, actor=user.username, kind="task_completed",
                 task_id=row.id, task_name=row.bpmn_id, data=data)
    ready = save_workflow(session, instance, wf, compiled, clock=clock, since=since)
    after_change(session, instance, stage_before=stage, actor=user.username)
    return ready


def check_answers(session: Session, *, user: User, task_id: str, data: dict, clock: Clock) -> dict:
    """The answers as completing the task now would record them, or what completing it would raise before the
    procedure moves on (NotFound, Forbidden, Conflict, ValidationFailed). Changes nothing: for a page that must
    ask a question (are you sure?) before the answers are submitted."""
    row, instance = _open(session, user, task_id, data)
    compiled = compiled_for(instance.process_version)
    known = spiff.task_data(workflow_to_read(instance, compiled), row.id)
    return _accepted(session, user, row, instance, compiled, known, data, clock)[1]


def _open(session: Session, user: User, task_id: str, data) -> tuple[Task, ProcessInstance]:
    if not isinstance(data, dict):
        raise ValidationFailed("The form data must be a JSON object.")
    return open_running_task(session, user, task_id)


def _accepted(session: Session, user: User, row: Task, instance: ProcessInstance, compiled: spiff.CompiledProcess,
              known: dict, data: dict, clock: Clock) -> tuple[dict | None, dict]:
    """The task's form, and the answers it accepts from `data` (raises ValidationFailed with every field's error)."""
    schema = form_schema(session, instance.process_version, compiled, row.bpmn_id, known)
    data, errors = accepted_answers(schema or {}, data)
    data, file_errors = resolve_documents(session, user=user, task=row, instance=instance, schema=schema, data=data)
    if schema:  # what is recorded is what applies to the branch chosen, checked against today's date
        data = answers_that_apply(schema, data, known)
        errors.update(field_errors(schema, data, today=clock.now().date(), context=known))
    errors.update(policy.conflict_errors(user, data))
    errors.update(file_errors)  # a file refused says why, whatever the schema says of what was sent
    if errors:
        raise ValidationFailed("Some answers need attention.", fields=errors)
    return schema, data
