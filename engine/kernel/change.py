"""One change to a project: a single instant, the project's lock, its workflow loaded, and after SpiffWorkflow
has run, the new state, the task rows and the audit events of what the engine did, saved together."""
from __future__ import annotations

import json

from sqlalchemy import select, text
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import flag_modified

from engine import spiff
from engine.clock import Clock, FixedClock
from engine.kernel.cache import workflow_cache
from engine.kernel.task_rows import sync_task_rows
from engine.store.db import after_commit, wake_workers
from engine.store.models import FinishedTask, ProcessInstance, Task
from engine.store.trail import TIMER, record_event

CLOSED_STAGE = "closed"


def at_one_instant(clock: Clock) -> FixedClock:
    """One reading of the clock for a whole change: the engine's timers start at the very time the
    audit trail records, so a re-run from the trail (engine.history.rerun) sets them the same."""
    return FixedClock(clock.now())


def lock_instance(instance: ProcessInstance, clock: Clock) -> None:
    """Take the instance's optimistic lock now, before anything else is written.

    The version check runs as the first statement of the change, so a competing change
    fails fast (StaleDataError, retried by the unit of work) instead of colliding later.
    SQLite needs no early statement: its writing transactions begin with the database
    lock (BEGIN IMMEDIATE), and the version is still checked when the change is written.
    """
    instance.updated_at = clock.now()
    flag_modified(instance, "updated_at")  # an UPDATE (and version check) even if the time is unchanged
    session = object_session(instance)
    if session.bind.dialect.name != "sqlite":
        session.flush()


def workflow_of(instance: ProcessInstance, compiled: spiff.CompiledProcess):
    """The instance's workflow, to change: deserialised only when this process does not hold its latest state."""
    cached = workflow_cache(object_session(instance)).take(instance)
    if cached is not None:
        return cached
    return workflow_to_read(instance, compiled)


def workflow_to_read(instance: ProcessInstance, compiled: spiff.CompiledProcess):
    """The instance's workflow as the database holds it, leaving the cache to the changes."""
    session = object_session(instance)
    # The shell first: every settled task it names was committed with or before it, so the
    # rows read next include them even if another change commits in between.
    shell = instance.state
    finished = dict(session.execute(select(FinishedTask.task_id, FinishedTask.body)
                                    .where(FinishedTask.instance_id == instance.id)).all())
    return spiff.load_state(compiled, shell, finished)


# Plain SQL both SQLite and PostgreSQL understand; far cheaper per row than the ORM here.
_STORE_FINISHED = text(
    "INSERT INTO finished_tasks (instance_id, task_id, body) VALUES (:instance_id, :task_id, :body) "
    "ON CONFLICT (instance_id, task_id) DO UPDATE SET body = excluded.body")


def store_state(session: Session, instance: ProcessInstance, wf) -> None:
    saved = spiff.dump_state(wf)
    instance.state = saved.shell
    if saved.finished:
        rows = [{"instance_id": instance.id, "task_id": k, "body": v} for k, v in saved.finished.items()]
        session.execute(_STORE_FINISHED, rows)


def save_workflow(session: Session, instance: ProcessInstance, wf, compiled: spiff.CompiledProcess, *,
                  clock: Clock, since: float) -> list[Task]:
    """Write the new state, the task rows and the audit events of what the engine did."""
    now = clock.now()
    found = spiff.survey(wf, since=since)
    for step in found.steps:  # a timer that fell due fired on its own, whoever's change noticed it
        record_event(session, instance=instance, at=now, actor=TIMER if step.kind == "timer_fired" else "engine",
                     kind=step.kind, task_name=step.bpmn_id, data=step.data)
    ready = sync_task_rows(session, instance, found.ready, compiled, now=now)
    data = found.data
    store_state(session, instance, wf)
    instance.data_json = json.dumps(data, default=str)
    instance.title = str(data.get("title") or instance.title or f"Project {instance.id}")[:300]
    instance.updated_at = now
    timer_before, instance.next_timer_at = instance.next_timer_at, spiff.next_timer_due(wf)
    if instance.next_timer_at is not None and instance.next_timer_at != timer_before:
        wake_workers(session)  # a sleeping worker learns of the new timer when this change commits
    if found.completed:
        instance.status, instance.stage, instance.completed_at = "completed", CLOSED_STAGE, now
        instance.next_timer_at = None
        record_event(session, instance=instance, at=now, actor="engine", kind="instance_completed",
                     data={"outcome": data.get("project_outcome")})
    elif ready:
        instance.stage = ready[0].stage
    session.flush()  # assigns the new lock version the cached workflow corresponds to
    cache = workflow_cache(session)
    after_commit(session, lambda i=instance.id, v=instance.lock_version, h=instance.process_version.content_hash:
                 cache.put(i, v, h, wf))
    return ready
