"""Starting projects, firing their due timers, and finding one a user may see. Each is one change through the
kernel: state, task rows and audit events in the caller's unit of work."""
from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import policy, spiff
from engine.clock import Clock
from engine.errors import Forbidden, NotFound, ProcessFailed
from engine.kernel.change import at_one_instant, lock_instance, save_workflow, workflow_of
from engine.notices.changes import after_change
from engine.repository.deployments import compiled_for, latest_version
from engine.store import lists
from engine.store.models import ProcessInstance, User
from engine.store.trail import TIMER, record_event


def first_steps(session: Session, *, user: User, process_key: str, clock: Clock):
    """The latest version of a process run to its first user tasks, in memory: (version, compiled, workflow,
    ready tasks). Raises NotFound (no such process), Forbidden (the user may not start it) or ProcessFailed."""
    version = latest_version(session, process_key)
    compiled = compiled_for(version)
    wf = spiff.new_workflow(compiled)
    try:
        spiff.run_engine_steps(wf, clock)
    except spiff.WorkflowError as exc:
        raise ProcessFailed(f"{process_key} could not start: {exc}") from exc
    ready = spiff.ready_user_tasks(wf)
    first_roles = {str(t.role) for t in ready}
    if not ready or not policy.may_start(user, first_roles):
        raise Forbidden(policy.start_refused(first_roles, version.name or process_key))
    return version, compiled, wf, ready


def start_instance(session: Session, *, user: User, process_key: str, clock: Clock) -> ProcessInstance:
    """Start the latest version of a process; the caller must hold the role of its first task.

    Raises NotFound (no such process) or Forbidden.
    """
    clock = at_one_instant(clock)
    version, compiled, wf, _ready = first_steps(session, user=user, process_key=process_key, clock=clock)
    now = clock.now()
    instance = ProcessInstance(process_version=version, status="running", stage="", title="",
                               started_by=user.username, started_at=now, updated_at=now,
                               state="", organisations=lists.EMPTY, audit_seq=0, audit_head="")
    session.add(instance)
    session.flush()
    record_event(session, instance=instance, at=now, actor=user.username, kind="instance_started",
                 data={"process": version.key, "version": version.version, "hash": version.content_hash})
    save_workflow(session, instance, wf, compiled, clock=clock, since=0.0)
    after_change(session, instance, stage_before="", actor=user.username)
    return instance


def fire_timers(session: Session, *, instance_id: int, clock: Clock) -> bool:
    """Fire whatever timers of one instance are due. Returns True if anything moved."""
    clock = at_one_instant(clock)
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or instance.status != "running":
        return False
    compiled = compiled_for(instance.process_version)
    wf = workflow_of(instance, compiled)
    stage = instance.stage
    lock_instance(instance, clock)
    since = time.time()
    try:
        spiff.run_engine_steps(wf, clock)
    except spiff.WorkflowError as exc:
        raise ProcessFailed(f"Instance {instance_id}: a timer could not be handled. {exc}") from exc
    save_workflow(session, instance, wf, compiled, clock=clock, since=since)
    after_change(session, instance, stage_before=stage, actor=TIMER)
    instance.timer_lease_until = None
    return True


def due_instances(session: Session, *, now: datetime, limit: int = 100) -> list[int]:
    stmt = (select(ProcessInstance.id).where(ProcessInstance.status == "running",
                                             ProcessInstance.next_timer_at <= now)
            .order_by(ProcessInstance.next_timer_at).limit(limit))
    return list(session.scalars(stmt))


def get_instance(session: Session, *, user: User, instance_id: int) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or not policy.may_see_instance(user, instance):
        raise NotFound("No such instance.")
    return instance
