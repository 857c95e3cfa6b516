"""Moving chosen running instances to another version of their process.

A dry run says, per instance, whether every open task (and every element it already
passed) exists in the target version and what changes for its open tasks; the migration
itself runs one instance per unit of work and is recorded on the instance's audit trail.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import policy, spiff
from engine.clock import Clock
from engine.errors import BadRequest, Conflict, Forbidden, NotFound, ProcessFailed, ServiceError
from engine.kernel.change import at_one_instant, lock_instance, save_workflow, workflow_of
from engine.kernel.task_rows import apply_task_rules
from engine.notices.changes import after_change
from engine.repository.deployments import compiled_for, get_version
from engine.store.db import Database
from engine.store.models import AuditEvent, ProcessInstance, ProcessVersion, Task, User
from engine.store.trail import record_event


@dataclass
class MigrationPlan:
    """What moving one instance to the target version would do."""
    instance_id: int
    title: str
    stage: str
    source: int  # version numbers
    target: int
    safe: bool
    reasons: list[str] = field(default_factory=list)  # why it is not safe
    open_tasks: list[dict] = field(default_factory=list)  # name, bpmn_id, found, changes

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def require_owner(user: User) -> None:
    if not policy.may_migrate(user):
        raise Forbidden("Only a process owner may move projects to another process version.")


def running_on(session: Session, *, user: User, version_id: int) -> list[ProcessInstance]:
    """The running instances pinned to a version, oldest first."""
    require_owner(user)
    get_version(session, version_id)
    return list(session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_version_id == version_id, ProcessInstance.status == "running")
        .order_by(ProcessInstance.id)))


def plan_migrations(session: Session, *, user: User, instance_ids: list[int],
                    target_version_id: int) -> list[MigrationPlan]:
    """The dry run: nothing is changed."""
    require_owner(user)
    target = get_version(session, target_version_id)
    return [_plan(session, _instance(session, i), target)[0] for i in instance_ids]


def migrate_instance(session: Session, *, user: User, instance_id: int, target_version_id: int,
                     clock: Clock) -> MigrationPlan:
    """Move one instance to the target version (the caller's unit of work is its transaction).

    Raises Conflict with the reasons when the dry run says it is not safe.
    """
    require_owner(user)
    clock = at_one_instant(clock)
    target = get_version(session, target_version_id)
    instance = _instance(session, instance_id)
    plan, wf = _plan(session, instance, target)
    if not plan.safe:
        raise Conflict(f"{instance.title} cannot move to version {target.version}: {' '.join(plan.reasons)}")
    source = instance.process_version
    compiled = compiled_for(target)
    stage = instance.stage
    lock_instance(instance, clock)
    since = time.time()
    spiff.migrate(wf, compiled)
    instance.process_version = target
    record_event(session, instance=instance, at=clock.now(), actor=user.username, kind="instance_migrated",
                 data={"from": {"version_id": source.id, "version": source.version, "hash": source.content_hash},
                       "to": {"version_id": target.id, "version": target.version, "hash": target.content_hash},
                       "open_tasks": plan.open_tasks})
    _refresh_open_rows(session, instance, compiled, wf)
    try:
        spiff.run_engine_steps(wf, clock)
    except spiff.WorkflowError as exc:
        raise ProcessFailed(f"{instance.title} could not go on under version {target.version}; "
                            f"nothing was changed. {exc}") from exc
    if spiff.is_stuck(wf):  # a last guard: never leave a project nobody can move on
        raise ProcessFailed(f"{instance.title} would have no open step under version {target.version}; "
                            "nothing was changed.")
    save_workflow(session, instance, wf, compiled, clock=clock, since=since)
    after_change(session, instance, stage_before=stage, actor=user.username)
    return plan


def _instance(session: Session, instance_id: int) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"No project {instance_id}.")
    return instance


def _plan(session: Session, instance: ProcessInstance, target: ProcessVersion):
    source = instance.process_version
    plan = MigrationPlan(instance.id, instance.title, instance.stage, source.version, target.version, safe=False)
    if target.key != source.key:
        plan.reasons.append(f"Version {target.version} belongs to another process ({target.key}).")
    elif instance.status == "on_hold":
        plan.reasons.append("The project is on hold: resume it first, then move it.")
    elif instance.status != "running":
        plan.reasons.append("The project has finished; finished projects keep their version.")
    elif target.id == source.id:
        plan.reasons.append(f"The project already runs on version {target.version}.")
    if plan.reasons:
        return plan, None
    wf = workflow_of(instance, compiled_for(source))
    check = spiff.check_migration(wf, compiled_for(target))
    plan.open_tasks = [{"name": t.name, "bpmn_id": t.bpmn_id, "found": t.found, "changes": t.changes}
                       for t in check.open_tasks]
    plan.reasons += [f"The open step “{t.name}” ({t.bpmn_id}) does not exist in version {target.version}."
                     for t in check.open_tasks if not t.found]
    plan.reasons += [f"The project already passed {bpmn_id}, which version {target.version} removes, "
                     "so its history could not be read under it." for bpmn_id in check.missing_history]
    plan.reasons += [f"{reason} Move the project once it is past that point." for reason in check.blocked]
    plan.safe = check.safe
    return plan, wf


def _refresh_open_rows(session: Session, instance: ProcessInstance, compiled: spiff.CompiledProcess, wf) -> None:
    """Open inbox rows follow what the target version says of their step: role, title, stage, assignee,
    organisations, four-eyes and due date (counted from when the task became ready)."""
    rows = session.scalars(select(Task).where(Task.instance_id == instance.id, Task.state == "ready"))
    for row in rows:
        spec = compiled.user_tasks.get(row.bpmn_id)
        if spec is None:
            continue
        row.role, row.title = spec.role, spec.title
        handed_to = row.assignee if _reassigned(session, row) else None
        apply_task_rules(session, row, instance, compiled, spiff.task_data(wf, row.id))
        if handed_to and handed_to != row.assignee:
            holder = session.scalars(select(User).where(User.username == handed_to)).first()
            if holder is not None and not policy.may_act_on(holder, _bound_to(row, handed_to)):
                row.assignee = handed_to  # a task the Hub gave someone stays theirs while the new rules allow it
        if row.claimed_by:
            claimant = session.scalars(select(User).where(User.username == row.claimed_by)).first()
            if claimant is None or policy.may_act_on(claimant, row):
                row.claimed_by = None  # the new rules bar the claimant (role, four-eyes, assignee, organisation)


def _reassigned(session: Session, row: Task) -> bool:
    return session.scalars(select(AuditEvent.id).where(
        AuditEvent.instance_id == row.instance_id, AuditEvent.task_id == row.id,
        AuditEvent.kind == "task_reassigned").limit(1)).first() is not None


def _bound_to(row: Task, username: str) -> Task:
    return Task(role=row.role, assignee=username, organisations=row.organisations, excluded_users=row.excluded_users)


def parse_ids(values: list[str]) -> list[int]:
    try:
        return [int(v) for v in values]
    except ValueError:
        raise BadRequest("Project ids must be whole numbers.") from None


# --- several instances, one unit of work each: the migration page, the API and the CLI ------------


@dataclass(frozen=True)
class MigrationOutcome:
    """One instance of a batch: its plan (moved, or the dry run's verdict), or why it was refused."""
    instance_id: int
    plan: MigrationPlan | None
    error: str | None = None
    migrated: bool = False

    def as_dict(self) -> dict:
        if self.plan is None:
            return {"instance_id": self.instance_id, "migrated": False, "error": self.error}
        return {**self.plan.as_dict(), "migrated": self.migrated, "error": None}


def migrate_each(db: Database, *, user_id: int, instance_ids: list[int], target_version_id: int, clock: Clock,
                 dry_run: bool = False) -> list[MigrationOutcome]:
    """Move (or, on a dry run, plan) each instance in its own unit of work, in the order given: one refusal
    does not stop the others, and a long batch never holds one transaction open."""
    outcomes = []
    for instance_id in instance_ids:
        try:
            if dry_run:
                with db.reading() as session:
                    [plan] = plan_migrations(session, user=session.get(User, user_id), instance_ids=[instance_id],
                                             target_version_id=target_version_id)
            else:
                plan = db.writing(lambda s, i=instance_id: migrate_instance(
                    s, user=s.get(User, user_id), instance_id=i, target_version_id=target_version_id, clock=clock))
            outcomes.append(MigrationOutcome(instance_id, plan, migrated=not dry_run))
        except ServiceError as exc:
            outcomes.append(MigrationOutcome(instance_id, None, error=exc.message))
    return outcomes
