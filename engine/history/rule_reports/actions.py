"""Each role's actions by person: what people did in every project's history, counted and listed.

The role of an action on a task is the lane the task was ready in (its task_ready event); actions
outside any task (starting or migrating a project) have none. The engine's own steps are left out."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.history.rule_reports.trail import Filters, data_of, projects, task_titles
from engine.store.models import AuditEvent
from engine.store.trail import TIMER

NOT_PEOPLE = ("engine", "anonymous", TIMER)
NO_ROLE = "outside any task"
ACTION_KINDS = ("instance_started", "task_claimed", "task_released", "task_completed", "instance_migrated")
COUNT_HEADER = ["Role", "Person", "Action", "Count", "Projects", "First", "Last"]
ACTION_HEADER = ["Project", "Title", "Event", "At", "Person", "Role", "Action", "Task"]


@dataclass(frozen=True)
class Action:
    project_id: int
    project_title: str
    seq: int
    at: datetime
    person: str
    role: str
    kind: str
    task: str

    def cells(self) -> list:
        return [self.project_id, self.project_title, self.seq, self.at.isoformat(), self.person, self.role,
                self.kind, self.task]


@dataclass
class ActionCount:
    role: str
    person: str
    kind: str
    count: int
    projects: int
    first: datetime
    last: datetime

    def cells(self) -> list:
        return [self.role, self.person, self.kind, self.count, self.projects, self.first.isoformat(),
                self.last.isoformat()]


def list_actions(session: Session, filters: Filters) -> list[Action]:
    """Every action by a person in the projects' histories, with the role it was done in."""
    instances = projects(session, filters)
    stmt = select(AuditEvent).where(AuditEvent.instance_id.is_not(None),
                                    or_(AuditEvent.actor.not_in(NOT_PEOPLE), AuditEvent.kind == "task_ready"))
    if filters.project is not None:
        stmt = stmt.where(AuditEvent.instance_id == filters.project)
    roles: dict[str, str] = {}
    titles: dict[int, dict[str, str]] = {}
    actions = []
    for event in session.scalars(stmt.order_by(AuditEvent.instance_id, AuditEvent.seq)):
        if event.kind == "task_ready":
            roles[event.task_id or ""] = data_of(event).get("role") or NO_ROLE
            continue
        instance = instances[event.instance_id]
        if instance.id not in titles:
            titles[instance.id] = task_titles(instance.process_version)
        task = titles[instance.id].get(event.task_name or "", event.task_name or "")
        role = roles.get(event.task_id or "", NO_ROLE) if event.task_id else NO_ROLE
        actions.append(Action(instance.id, instance.title, event.seq, event.at, event.actor, role, event.kind, task))
    return [a for a in actions if _kept(a, filters)]


def _kept(action: Action, filters: Filters) -> bool:
    return (filters.keeps([action.person]) and (not filters.role or filters.role == action.role)
            and (not filters.kind or filters.kind == action.kind))


def count_actions(actions: list[Action]) -> list[ActionCount]:
    """Counts per role, person and kind of action, by role then person."""
    groups: dict[tuple[str, str, str], list[Action]] = defaultdict(list)
    for action in actions:
        groups[(action.role, action.person, action.kind)].append(action)
    return [ActionCount(role, person, kind, len(done), len({a.project_id for a in done}),
                        min(a.at for a in done), max(a.at for a in done))
            for (role, person, kind), done in sorted(groups.items())]
