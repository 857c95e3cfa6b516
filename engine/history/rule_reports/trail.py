"""What the rule reports read: projects' recorded events, who people were, and who may ask."""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import policy
from engine.errors import Forbidden
from engine.repository.deployments import compiled_for
from engine.store.models import AuditEvent, ProcessInstance, ProcessVersion, User
from engine.store.trail import SYSTEM_CHAIN

KEPT, BREACH = "kept", "BREACH"


def require_reader(user: User) -> None:
    if not policy.may_read_rule_reports(user):
        raise Forbidden("Only auditors may read the rule reports.")


@dataclass(frozen=True)
class Filters:
    """Narrow a report to one project and/or one person; role and kind narrow the actions report."""
    project: int | None = None
    person: str | None = None
    role: str | None = None
    kind: str | None = None

    def keeps(self, people: Iterable[str]) -> bool:
        return not self.person or self.person in set(people)

    def describe(self) -> str:
        given = [f"{name} {value}" for name, value in vars(self).items() if value not in (None, "")]
        return ", ".join(given) or "all projects"


@dataclass(frozen=True)
class EventRef:
    """One recorded event a verdict rests on: its number in the project's history, when and by whom."""
    seq: int
    at: datetime
    person: str

    @classmethod
    def of(cls, event: AuditEvent) -> EventRef:
        return cls(event.seq, event.at, event.actor)

    def __str__(self) -> str:
        return f"event {self.seq} at {self.at:%Y-%m-%d %H:%M} by {self.person}"


@dataclass
class Report:
    """The rows of one rule report, how many things were checked, and people's names."""
    rows: list
    checked: int
    names: dict[str, str] = field(default_factory=dict)
    projects: dict[int, str] = field(default_factory=dict)
    detail: list = field(default_factory=list)

    @property
    def breaches(self) -> int:
        return sum(1 for row in self.rows if getattr(row, "verdict", None) == BREACH)


def data_of(event: AuditEvent) -> dict[str, Any]:
    return json.loads(event.data_json or "{}")


def projects(session: Session, filters: Filters) -> dict[int, ProcessInstance]:
    stmt = select(ProcessInstance).order_by(ProcessInstance.id)
    if filters.project is not None:
        stmt = stmt.where(ProcessInstance.id == filters.project)
    return {p.id: p for p in session.scalars(stmt)}


def events_by_project(session: Session, filters: Filters, kinds: Iterable[str]) -> dict[int, list[AuditEvent]]:
    """The projects' events of these kinds, in recorded order, per project."""
    stmt = select(AuditEvent).where(AuditEvent.kind.in_(list(kinds)), AuditEvent.instance_id.is_not(None))
    if filters.project is not None:
        stmt = stmt.where(AuditEvent.instance_id == filters.project)
    found: dict[int, list[AuditEvent]] = defaultdict(list)
    for event in session.scalars(stmt.order_by(AuditEvent.instance_id, AuditEvent.seq)):
        found[event.instance_id].append(event)
    return found


def versions_run(session: Session, instance: ProcessInstance, events: list[AuditEvent]) -> list[ProcessVersion]:
    """Every version the project ran on, oldest first (its instance_migrated events name the earlier ones)."""
    earlier = [data_of(e).get("from", {}).get("version_id") for e in events if e.kind == "instance_migrated"]
    found = [session.get(ProcessVersion, version_id) for version_id in earlier if version_id]
    return [v for v in found if v is not None] + [instance.process_version]


def task_titles(version: ProcessVersion) -> dict[str, str]:
    return {bpmn_id: spec.title for bpmn_id, spec in compiled_for(version).user_tasks.items()}


def display_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(User.username, User.display_name)).all())


def project_titles(session: Session) -> dict[int, str]:
    return dict(session.execute(select(ProcessInstance.id, ProcessInstance.title).order_by(ProcessInstance.id)).all())


class Organisations:
    """Who belonged to which organisation when, from the system chain (user_added and changes)."""

    def __init__(self, session: Session):
        self.current = {u.username: u.organisation_name for u in session.scalars(select(User))}
        self.changes: dict[str, list[tuple[datetime, str | None]]] = defaultdict(list)
        kinds = {"user_added": "organisation", "user_organisation_changed": "after"}
        stmt = select(AuditEvent).where(AuditEvent.chain == SYSTEM_CHAIN, AuditEvent.kind.in_(list(kinds)))
        for event in session.scalars(stmt.order_by(AuditEvent.seq)):
            data = data_of(event)
            self.changes[data.get("username", "")].append((event.at, data.get(kinds[event.kind])))

    def at(self, username: str, when: datetime) -> str | None:
        known = [org for changed_at, org in self.changes.get(username, []) if changed_at <= when]
        return known[-1] if known else self.current.get(username)
