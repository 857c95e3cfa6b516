"""One audit event as a line of a project's timeline: who acted, in which role, on which element
of the diagram (by its name), what they submitted and what it changed."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.documents.reading import DOWNLOAD_KIND
from engine.history.access_records import ACCESS_KIND
from engine.history.data_diff import Change, as_text, flatten
from engine.policy.visibility import SOMEONE
from engine.repository.version_diff.bpmn_elements import read_elements
from engine.spiff import role_key
from engine.store.actor_names import actor_name
from engine.store.models import AuditEvent, ProcessVersion, User

UK = ZoneInfo("Europe/London")
KIND_LABELS = {
    "instance_started": "Started", "task_ready": "Task ready", "task_claimed": "Claimed",
    "task_released": "Released", "task_completed": "Completed", "task_cancelled": "Cancelled",
    "gateway_taken": "Gateway taken", "decision_made": "Decision table result", "timer_fired": "Timer fired",
    "instance_completed": "Finished", "instance_migrated": "Migration", "version_deployed": "Deployment",
    ACCESS_KIND: "Viewed by an auditor", "comment_posted": "Comment posted", DOWNLOAD_KIND: "Document downloaded",
}
VERBS = {"task_ready": "ready", "task_claimed": "claimed", "task_released": "released",
         "task_completed": "completed", "task_cancelled": "cancelled",
         "decision_made": "– decision table result", "timer_fired": "– timer fired"}
# Roles implied by the service that records the event (it refuses anyone without the role).
KIND_ROLES = {"instance_migrated": "process_owner", ACCESS_KIND: "auditor"}
ENGINE_ACTORS = {"engine"}
COMMENT_KIND = "comment_posted"  # as engine.discussion records a comment


@dataclass
class Labels:
    """The names a timeline shows instead of ids: diagram elements (per version), roles, people."""
    elements: dict[str, dict[str, str]]  # version hash -> element id -> name
    roles: dict[str, str]  # role key -> lane name ("hub_team" -> "Hub team")
    people: dict[str, str]  # username -> display name

    def element(self, version: str | None, element_id: str | None) -> str:
        if not element_id:
            return ""
        for names in [self.elements.get(version or "", {}), *self.elements.values()]:
            if names.get(element_id):
                return names[element_id]
        return element_id.replace("_", " ").capitalize()

    def role(self, role: str | None) -> str:
        return self.roles.get(role or "", (role or "").replace("_", " ").capitalize())

    def person(self, username: str) -> str:
        if username == SOMEONE:
            return SOMEONE.capitalize()
        return actor_name(username, self.people)


_diagrams: dict[str, tuple[dict[str, str], dict[str, str]]] = {}  # hash -> names, roles: never change


def labels_for(session: Session, hashes: list[str], usernames: set[str]) -> Labels:
    elements, roles = {}, {}
    for digest in hashes:
        if digest not in _diagrams:
            xml = session.scalars(select(ProcessVersion.bpmn_xml).where(ProcessVersion.content_hash == digest)).first()
            found = read_elements(xml.encode()) if xml else {}
            _diagrams[digest] = ({i: e.name for i, e in found.items() if e.name},
                                 {role_key(e.name): e.name for e in found.values() if e.type == "lane" and e.name})
        elements[digest] = _diagrams[digest][0]
        roles.update(_diagrams[digest][1])
    people = dict(session.execute(select(User.username, User.display_name).where(User.username.in_(usernames))).all())
    return Labels(elements, roles, people)


@dataclass
class Entry:
    seq: int | None  # the event's number in the project's own record; None on the system chain
    system_seq: int | None
    at: datetime
    actor: str
    actor_name: str
    role: str | None
    role_label: str
    kind: str
    kind_label: str
    element_id: str | None
    element_name: str
    headline: str
    version: str | None = None  # the content hash of the diagram in force (or deployed, for a deployment)
    details: list[tuple[str, str]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    diverged: bool = False

    @property
    def by(self) -> str:
        """"by Hana Okafor (Hub team)", "by the engine": the person's name, and their role unless it says it."""
        name = self.actor_name[:4].lower() + self.actor_name[4:] if self.actor_name.startswith("The ") \
            else self.actor_name
        role = f" ({self.role_label})" if self.role_label and self.role_label not in name else ""
        return f"by {name}{role}"

    def as_dict(self) -> dict:
        return {"seq": self.seq, "system_seq": self.system_seq, "at": self.at.isoformat(),
                "when": when(self.at), "actor": self.actor, "actor_name": self.actor_name,
                "role": self.role, "role_label": self.role_label, "kind": self.kind,
                "kind_label": self.kind_label, "element_id": self.element_id, "element_name": self.element_name,
                "headline": self.headline, "version": self.version, "by": self.by,
                "details": [list(d) for d in self.details], "changes": [c.as_dict() for c in self.changes]}


def when(at: datetime) -> str:
    """"20 December 2026 at 2:30pm", UK time: as the pages say a moment."""
    local = at.astimezone(UK) if at.tzinfo else at
    hour = local.hour % 12 or 12
    time = "midday" if (local.hour, local.minute) == (12, 0) else "midnight" if (local.hour, local.minute) == (0, 0) \
        else f"{hour}{f':{local.minute:02d}' if local.minute else ''}{'am' if local.hour < 12 else 'pm'}"
    return f"{local.day} {local.strftime('%B %Y')} at {time}"


def make_entry(event: AuditEvent, *, data: dict, version: str | None, role: str | None,
               labels: Labels, system: bool = False, actor: str | None = None) -> Entry:
    """`data` and `actor` are the event's as the viewer may read them; `version` the diagram in force."""
    actor = event.actor if actor is None else actor
    element = labels.element(version, event.task_name)
    headline = _headline(event.kind, element, data, _targets(event.kind, data, version, labels))
    if event.kind == "task_ready" and role:
        headline, role = f"{headline} for the {labels.role(role)} role", None  # the engine acted, not the role
    return Entry(
        seq=None if system else event.seq, system_seq=event.seq if system else None, at=event.at,
        actor=actor, actor_name=labels.person(actor), role=role, role_label=labels.role(role),
        kind=event.kind, kind_label=KIND_LABELS.get(event.kind, event.kind.replace("_", " ").capitalize()),
        element_id=event.task_name, element_name=element,
        headline=headline, version=version,
        details=_details(event.kind, data, version, labels))


def _targets(kind: str, data: dict, version: str | None, labels: Labels) -> list[str]:
    return [labels.element(version, i) for i in data.get("to") or []] if kind == "gateway_taken" else []


def _headline(kind: str, element: str, data: dict, targets: list[str]) -> str:
    if kind == "gateway_taken":
        return f"Gateway “{element}” took the path to {', '.join(targets) or 'nothing'}"
    if kind == "instance_started":
        return f"Project started on version {data.get('version', '?')}"
    if kind == "instance_completed":
        return "Project finished" + (f": {as_text(data['outcome'])}" if data.get("outcome") else "")
    if kind == "instance_migrated":
        return (f"Moved from version {data.get('from', {}).get('version', '?')} "
                f"to {data.get('to', {}).get('version', '?')}")
    if kind == "version_deployed":
        return f"Version {data.get('version', '?')} of {data.get('key', 'the procedure')} deployed"
    if kind == ACCESS_KIND:
        return f"The project's {data.get('view', 'record')} viewed"
    if kind == COMMENT_KIND:
        return ("Correction posted" if data.get("supersedes") else "Comment posted") + f" ({_audience(data)})"
    return f"{element} {VERBS.get(kind, kind.replace('_', ' '))}".strip()


def _details(kind: str, data: dict, version: str | None, labels: Labels) -> list[tuple[str, str]]:
    if kind in ("task_completed", "decision_made"):
        return flatten(data.get("result", {}) if kind == "decision_made" else data)
    if kind == "task_ready":
        return [("Role", labels.role(data.get("role"))), ("Assigned to", as_text(data.get("assignee"))),
                ("Due", as_text(data.get("due_at")))]
    if kind == "gateway_taken":
        return [("Took the path to", ", ".join(_targets(kind, data, version, labels)) or "–")]
    if kind in ("instance_started", "version_deployed"):
        return [("Version", as_text(data.get("version"))), ("Fingerprint", as_text(data.get("hash")))]
    if kind == "instance_migrated":
        moved = [str(t.get("name") or t.get("bpmn_id")) for t in data.get("open_tasks") or []]
        return [("From version", as_text(data.get("from", {}).get("version"))),
                ("To version", as_text(data.get("to", {}).get("version"))), ("Open tasks moved", as_text(moved))]
    if kind == COMMENT_KIND:
        found = [("Comment", as_text(data.get("body"))), ("Who can read it", _audience(data).capitalize())]
        if data.get("supersedes"):
            found.append(("Corrects comment", as_text(data.get("supersedes"))))
        if data.get("mentions"):
            found.append(("Mentions", ", ".join(labels.person(p) for p in data["mentions"])))
        return found
    return flatten(data)


def _audience(data: dict) -> str:
    """Who a comment's event says may read it, in words (as the discussion says them)."""
    if data.get("visibility") == "internal":
        return "internal: NHS and Hub only"
    if data.get("visibility") == "organisation":
        return f"the Hub and {data.get('organisation') or 'one partner'}"
    return "everyone on the project"


def people_named(events: list[AuditEvent]) -> set[str]:
    """Who the events name: their actors, and whoever a comment mentions (shown by name too)."""
    named = {e.actor for e in events}
    for event in events:
        if event.kind == COMMENT_KIND:
            named.update(m for m in json.loads(event.data_json).get("mentions") or [] if isinstance(m, str))
    return named
