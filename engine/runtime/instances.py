"""Starting and advancing process instances; every change is state + task rows + audit
events in one transaction (the caller's unit of work)."""
from __future__ import annotations

import json
import os
import threading
import time
from collections import OrderedDict
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import flag_modified

from engine import policy, spiff
from engine.clock import Clock, FixedClock
from engine.errors import Conflict, Forbidden, NotFound, ProcessFailed, ValidationFailed
from engine.identity.directory import option_source
from engine.repository.deployments import compiled_for, forms_of, latest_version
from engine.repository.forms import (
    SCHEMA_PROPERTY,
    accepted_answers,
    answers_that_apply,
    field_errors,
    fill_options,
    unanswered_fields,
)
from engine.store.db import after_commit
from engine.store.models import FinishedTask, ProcessInstance, ProcessVersion, Task, User
from engine.store.trail import TIMER, record_event

STAGE_PROPERTY = "stage"
CLOSED_STAGE = "closed"


def start_instance(session: Session, *, user: User, process_key: str, clock: Clock) -> ProcessInstance:
    """Start the latest version of a process; the caller must hold the role of its first task.

    Raises NotFound (no such process) or Forbidden.
    """
    clock = at_one_instant(clock)
    version = latest_version(session, process_key)
    compiled = compiled_for(version)
    wf = spiff.new_workflow(compiled)
    try:
        spiff.run_engine_steps(wf, clock)
    except spiff.WorkflowError as exc:
        raise ProcessFailed(f"{process_key} could not start: {exc}") from exc
    first_roles = {t.role for t in spiff.ready_user_tasks(wf)}
    if not policy.may_start(user, first_roles):
        raise Forbidden(f"Only the {', '.join(sorted(first_roles))} role may start {process_key}.")
    now = clock.now()
    instance = ProcessInstance(process_version=version, status="running", stage="", title="",
                               started_by=user.username, started_at=now, updated_at=now,
                               state="", organisations="|", audit_seq=0, audit_head="")
    session.add(instance)
    session.flush()
    record_event(session, instance=instance, at=now, actor=user.username, kind="instance_started",
                 data={"process": version.key, "version": version.version, "hash": version.content_hash})
    save_workflow(session, instance, wf, compiled, clock=clock, since=0.0)
    return instance


def complete_task(session: Session, *, user: User, task_id: str, data: dict, clock: Clock) -> list[Task]:
    """Validate and submit a user task's form, then advance the instance.

    Raises NotFound (unknown or invisible), Forbidden, Conflict (no longer open),
    ValidationFailed (field errors; nothing changes). Returns the tasks now ready.
    """
    if not isinstance(data, dict):
        raise ValidationFailed("The form data must be a JSON object.")
    clock = at_one_instant(clock)
    row, instance = load_task(session, user=user, task_id=task_id)
    if row.state != "ready":
        raise Conflict(f"This task was already {row.state} by {row.completed_by or 'the process'}.")
    reason = policy.may_act_on(user, row)
    if reason:
        raise Forbidden(reason)
    version = instance.process_version
    compiled = compiled_for(version)
    wf = workflow_of(instance, compiled)
    lock_instance(instance, clock)
    known = spiff.task_data(wf, row.id)
    schema = form_schema(session, version, compiled, row.bpmn_id, known)
    data, errors = accepted_answers(schema or {}, data)
    if schema:  # what is recorded is what applies to the branch chosen, checked against today's date
        data = answers_that_apply(schema, data, known)
        errors.update(field_errors(schema, data, today=clock.now().date(), context=known))
    errors.update(policy.conflict_errors(user, data))
    if errors:
        raise ValidationFailed("Some answers need attention.", fields=errors)
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
    record_event(session, instance=instance, at=now, actor=user.username, kind="task_completed",
                 task_id=row.id, task_name=row.bpmn_id, data=data)
    return save_workflow(session, instance, wf, compiled, clock=clock, since=since)


def at_one_instant(clock: Clock) -> FixedClock:
    """One reading of the clock for a whole change: the engine's timers start at the very time the
    audit trail records, so a re-run from the trail (engine/replay.py) sets them the same."""
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
    spec = compiled.user_tasks.get(bpmn_id)
    name = spec.properties.get(SCHEMA_PROPERTY) if spec else None
    schema = forms_of(version).get(name) if name else None
    if schema is None:
        return None
    return fill_options(schema, data=data, directory=option_source(session))


def fire_timers(session: Session, *, instance_id: int, clock: Clock) -> bool:
    """Fire whatever timers of one instance are due. Returns True if anything moved."""
    clock = at_one_instant(clock)
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or instance.status != "running":
        return False
    compiled = compiled_for(instance.process_version)
    wf = workflow_of(instance, compiled)
    lock_instance(instance, clock)
    since = time.time()
    try:
        spiff.run_engine_steps(wf, clock)
    except spiff.WorkflowError as exc:
        raise ProcessFailed(f"Instance {instance_id}: a timer could not be handled. {exc}") from exc
    save_workflow(session, instance, wf, compiled, clock=clock, since=since)
    instance.timer_lease_until = None
    return True


def due_instances(session: Session, *, now: datetime, limit: int = 100) -> list[int]:
    stmt = (select(ProcessInstance.id).where(ProcessInstance.status == "running",
                                             ProcessInstance.next_timer_at <= now)
            .order_by(ProcessInstance.next_timer_at).limit(limit))
    return list(session.scalars(stmt))


class _WorkflowCache:
    """Workflows as they stood after this process's last committed change, by instance.

    Deserialising is the largest part of a task's cost and grows with its history; when the
    instance's version in the database is the one we saved, the object in memory is that
    state. An entry is taken out while in use and put back only after a commit.
    """

    def __init__(self, size: int = 256):
        self.size = size
        self.entries: OrderedDict[int, tuple[int, str, object]] = OrderedDict()
        self.lock = threading.Lock()

    def take(self, instance: ProcessInstance, compiled: spiff.CompiledProcess):
        with self.lock:
            entry = self.entries.pop(instance.id, None)
        if entry is None:
            return None
        version, content_hash, wf = entry
        if version == instance.lock_version and content_hash == instance.process_version.content_hash:
            return wf
        return None

    def put(self, instance_id: int, version: int, content_hash: str, wf) -> None:
        with self.lock:
            self.entries[instance_id] = (version, content_hash, wf)
            self.entries.move_to_end(instance_id)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


# SIXGATES_WORKFLOW_CACHE=0 turns the cache off (every change deserialises; tests use it).
_cache = _WorkflowCache(int(os.environ.get("SIXGATES_WORKFLOW_CACHE", "256")))


def workflow_of(instance: ProcessInstance, compiled: spiff.CompiledProcess):
    """The instance's workflow, deserialised only when this process does not hold its latest state."""
    cached = _cache.take(instance, compiled)
    if cached is not None:
        return cached
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


def _store_state(session: Session, instance: ProcessInstance, wf) -> None:
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
    ready = _sync_task_rows(session, instance, found.ready, compiled, now=now)
    data = found.data
    _store_state(session, instance, wf)
    instance.data_json = json.dumps(data, default=str)
    instance.title = str(data.get("title") or instance.title or f"Project {instance.id}")[:300]
    instance.updated_at = now
    instance.next_timer_at = spiff.next_timer_due(wf)
    if found.completed:
        instance.status, instance.stage, instance.completed_at = "completed", CLOSED_STAGE, now
        instance.next_timer_at = None
        record_event(session, instance=instance, at=now, actor="engine", kind="instance_completed",
                     data={"outcome": data.get("project_outcome")})
    elif ready:
        instance.stage = ready[0].stage
    session.flush()  # assigns the new lock version the cached workflow corresponds to
    after_commit(session, lambda i=instance.id, v=instance.lock_version, h=instance.process_version.content_hash:
                 _cache.put(i, v, h, wf))
    return ready


def _sync_task_rows(session: Session, instance: ProcessInstance, ready: list[spiff.ReadyTask],
                    compiled: spiff.CompiledProcess, *, now: datetime) -> list[Task]:
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


def _new_task_row(session: Session, instance: ProcessInstance, compiled: spiff.CompiledProcess,
                  task: spiff.ReadyTask, *, now: datetime) -> Task:
    row = Task(id=task.id, instance_id=instance.id, bpmn_id=task.bpmn_id, title=task.title, role=task.role,
               state="ready", created_at=now)
    apply_task_rules(session, row, instance, compiled, task.data)
    session.add(row)
    record_event(session, instance=instance, at=now, actor="engine", kind="task_ready",
                 task_id=row.id, task_name=row.bpmn_id,
                 data={"role": row.role, "assignee": row.assignee, "due_at": row.due_at})
    return row


def apply_task_rules(session: Session, row: Task, instance: ProcessInstance, compiled: spiff.CompiledProcess,
                     data: dict) -> None:
    """What the task's element says about its row: stage, who alone may do it (assignee, organisations),
    who may not (four-eyes) and when it is due (from when it became ready)."""
    props = compiled.user_tasks[row.bpmn_id].properties if row.bpmn_id in compiled.user_tasks else {}
    assignee = data.get(props["assignee"]) if props.get("assignee") else None
    row.stage = props.get(STAGE_PROPERTY, "")
    row.assignee = str(assignee) if assignee else None
    row.organisations = _organisations(data.get(props["organisation"])) if props.get("organisation") else None
    row.excluded_users = _completers(session, instance.id, props.get("notCompletedBy"))
    row.due_at = row.created_at + spiff.parse_duration(props["dueIn"]) if props.get("dueIn") else None
    if row.organisations:
        known = set(filter(None, (instance.organisations or "|").split("|")))
        known.update(filter(None, row.organisations.split("|")))
        instance.organisations = "|" + "|".join(sorted(known)) + "|"


def _organisations(value) -> str | None:
    names = [str(v) for v in (value if isinstance(value, list) else [value]) if v]
    return "|" + "|".join(names) + "|" if names else None


def _completers(session: Session, instance_id: int, bpmn_id: str | None) -> str | None:
    """Everyone who completed `bpmn_id` in this project, in any round: none of them may approve it."""
    if not bpmn_id:
        return None
    names = sorted(set(session.scalars(select(Task.completed_by).where(
        Task.instance_id == instance_id, Task.bpmn_id == bpmn_id, Task.state == "completed"))) - {None})
    return "|" + "|".join(names) + "|" if names else None


def get_instance(session: Session, *, user: User, instance_id: int) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or not policy.may_see_instance(user, instance):
        raise NotFound("No such instance.")
    return instance
