"""The replay of a project as its viewer may see it: the project re-run from its start on its own
version with its recorded inputs (engine/replay.py), and after each event the viewer may see, its
timeline entry, the diagram's finished and open elements, and the data as the viewer may read it."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import policy
from .data_diff import diff_data, plain
from .history import event_view
from .history_entries import KIND_ROLES, Entry, Labels, labels_for, make_entry
from .models import AuditEvent, ProcessInstance, Task, User
from .replay import Diverged, Rerun, instance_events


@dataclass
class Replay:
    """The project's own events as entries, and a frame (the diagram's state) after each one."""
    entries: list[Entry] = field(default_factory=list)
    frames: list[dict] = field(default_factory=list)
    diverged: Diverged | None = None
    not_shown: int = 0  # events after the one the re-run could not reproduce
    versions: dict[str, int] = field(default_factory=dict)  # content hash -> the event that put it on it


def replay_project(session: Session, *, user: User, instance: ProcessInstance) -> Replay:
    """Re-run the project event by event; the viewer's entries and frames up to any divergence."""
    events = instance_events(session, instance.id)
    rows = {t.id: t for t in session.scalars(select(Task).where(Task.instance_id == instance.id))}
    reader = policy.reader_for(user, instance)
    replay = Replay()
    for event in events:
        if _version_of(event):
            replay.versions.setdefault(_version_of(event), event.seq)
    labels = labels_for(session, list(replay.versions), {e.actor for e in events})
    roles = {e.task_id: json.loads(e.data_json).get("role") for e in events if e.kind == "task_ready"}
    first_role = next(iter(roles.values()), None)
    version, before, rerun, seen = None, {}, Rerun(session, instance), _Seen()
    try:
        for frame in rerun.frames(events):
            event = frame.event
            version = _version_of(event) or version
            data = plain(reader.data(frame.data))
            shown = _as_read(user, reader, event, rows)
            if shown is not None:
                if reader.outside:  # the diagram as their own events show it: a competitor's EoI shows nothing
                    frame.finished, frame.active = seen.after(event)
                role = _role(event, rows, roles, first_role)
                entry = make_entry(event, data=shown["data"], version=version, role=role, labels=labels,
                                   actor=shown["actor"])
                entry.changes = diff_data(before, data)
                replay.entries.append(entry)
                replay.frames.append({"seq": event.seq, "version": version, "finished": sorted(frame.finished),
                                      "active": sorted(frame.active), "event": entry.as_dict(), "data": data})
            before = data
        rerun.finish()  # the stored state must be what the re-run reaches
    except Diverged as exc:
        replay.diverged = Diverged(exc.seq, reader.verification_note(exc.reason))
        replay.not_shown = sum(1 for e in events if e.seq > exc.seq)
        _mark_divergence(replay, events, exc, user=user, reader=reader, rows=rows, labels=labels, version=version)
    return replay


def _mark_divergence(replay: Replay, events: list[AuditEvent], exc: Diverged, *, user: User, reader: policy.Reader,
                     rows: dict[str, Task], labels: Labels, version: str | None) -> None:
    done = {e.seq for e in replay.entries}
    event = next((e for e in events if e.seq == exc.seq), None)
    shown = _as_read(user, reader, event, rows) if event is not None else None
    if shown is None:
        return
    if event.seq not in done:
        replay.entries.append(make_entry(event, data=shown["data"], version=version,
                                         role=_role(event, rows, {}, None), labels=labels, actor=shown["actor"]))
    next(e for e in replay.entries if e.seq == event.seq).diverged = True


def _version_of(event: AuditEvent) -> str | None:
    if event.kind == "instance_started":
        return json.loads(event.data_json).get("hash")
    if event.kind == "instance_migrated":
        return json.loads(event.data_json).get("to", {}).get("hash")
    return None


@dataclass
class _Seen:
    """Which elements a reader's own events show finished and open, event by event."""
    finished: set[str] = field(default_factory=set)
    open: dict[str, str] = field(default_factory=dict)  # task id -> element

    def after(self, event: AuditEvent) -> tuple[set[str], set[str]]:
        if event.kind == "task_ready":
            self.open[event.task_id] = event.task_name
        elif event.kind in ("task_completed", "task_cancelled"):
            self.open.pop(event.task_id, None)
        if event.task_name and event.kind in ("task_completed", "gateway_taken", "decision_made", "timer_fired"):
            self.finished.add(event.task_name)
        return set(self.finished), set(self.open.values())


def _as_read(user: User, reader: policy.Reader, event: AuditEvent, rows: dict[str, Task]) -> dict | None:
    """The event as the viewer may read it (its data and actor), or None: an event about a task bound
    to another person or organisation, or of a kind kept inside the Hub, is not the viewer's to see."""
    row = rows.get(event.task_id or "")
    return reader.event(event_view(event), task=row, task_visible=row is None or policy.may_see_task(user, row))


def _role(event: AuditEvent, rows: dict[str, Task], roles: dict, first_role: str | None) -> str | None:
    if event.kind == "task_ready":
        return json.loads(event.data_json).get("role")
    if event.task_id:
        row = rows.get(event.task_id)
        return row.role if row is not None else roles.get(event.task_id)
    if event.kind == "instance_started":
        return first_role  # whoever starts the project holds the role of its first task
    return KIND_ROLES.get(event.kind)
