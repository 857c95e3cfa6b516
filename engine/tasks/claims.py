"""Claiming and releasing a task, and keeping a draft of its answers."""
from __future__ import annotations

import json

from sqlalchemy.orm import Session

from engine import policy
from engine.clock import Clock
from engine.documents.references import discard_drafts
from engine.errors import BadRequest, Conflict, Forbidden
from engine.kernel.change import lock_instance
from engine.store.models import Task, User
from engine.store.trail import record_event
from engine.tasks.access import load_task, name_for, open_task_for


def claim_task(session: Session, *, user: User, task_id: str, clock: Clock) -> Task:
    task, instance = open_task_for(session, user, task_id)
    if task.claimed_by and task.claimed_by != user.username:
        raise Conflict(f"This task is already claimed by {name_for(session, user, task.claimed_by)}.")
    lock_instance(instance, clock)
    task.claimed_by = user.username
    record_event(session, instance=instance, at=clock.now(), actor=user.username, kind="task_claimed",
                 task_id=task.id, task_name=task.bpmn_id)
    return task


def release_task(session: Session, *, user: User, task_id: str, clock: Clock) -> Task:
    task, instance = load_task(session, user=user, task_id=task_id)
    if task.state != "ready":  # a settled task's row is part of the verified record: nothing to release
        raise Conflict(f"This task is already {task.state}: there is nothing to release.")
    if not policy.may_release(user, task):
        raise Forbidden("Only the person who claimed this task (or the Hub team) can release it.")
    lock_instance(instance, clock)
    task.claimed_by, task.draft_json = None, None  # a released task starts afresh for whoever takes it
    discard_drafts(session, task=task, keep={})
    record_event(session, instance=instance, at=clock.now(), actor=user.username, kind="task_released",
                 task_id=task.id, task_name=task.bpmn_id)
    return task


def save_draft(session: Session, *, user: User, task_id: str, data: dict, clock: Clock) -> Task:
    """Keep unfinished answers (not validated, not on the audit trail).

    Saving a draft claims the task, so the draft is its author's alone: nobody else with
    the role sees or overwrites it until it is released.
    """
    if not isinstance(data, dict):
        raise BadRequest("The draft must be a JSON object.")
    task, _ = open_task_for(session, user, task_id)
    if task.claimed_by is None:
        claim_task(session, user=user, task_id=task_id, clock=clock)
    task.draft_json = json.dumps(data)
    discard_drafts(session, task=task, keep=data, uploaded_by=user.username)
    return task
