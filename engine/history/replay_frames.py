"""The replay of a project as its viewer may see it: the project re-run from its start on its own
version with its recorded inputs (engine.history.rerun), and after each event the viewer may see, its
timeline entry, the diagram's finished and open elements, and the data as the viewer may read it."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import policy
from engine.history.data_diff import diff_data, plain
from engine.history.entries import KIND_ROLES, Entry, Labels, labels_for, make_entry, people_named
from engine.history.rerun import Diverged, instance_events
from engine.history.rerun_cache import rerun_frames
from engine.store.models import AuditEvent, ProcessInstance, Task, User


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
    views = _views(user, instance, reader, events, rows)
    replay = Replay()
    for event in events:
        if _version_of(event):
            replay.versions.setdefault(_version_of(event), (views.get(event.seq) or {}).get("seq", event.seq))
    labels = labels_for(session, list(replay.versions), people_named(events))
    roles = {e.task_id: json.loads(e.data_json).get("role") for e in events if e.kind == "task_ready"}
    first_role = next(iter(roles.values()), None)
    version, before, seen = None, {}, _Seen()
    frames, diverged = rerun_frames(session, instance, events, rows)
    for frame in frames:
        event = frame.event
        version = _version_of(event) or version
        data = plain(reader.data(frame.data))
        shown = views.get(event.seq)
        if shown is not None:
            if reader.outside:  # the diagram as their own events show it: a competitor's EoI shows nothing
                frame.finished, frame.active = seen.after(event)
            role = _role(event, rows, roles, first_role)
            entry = make_entry(event, data=shown["data"], version=version, role=role, labels=labels,
                               actor=shown["actor"])
            entry.seq, entry.changes = shown["seq"], diff_data(before, data)
            replay.entries.append(entry)
            replay.frames.append({"seq": entry.seq, "version": version, "finished": sorted(frame.finished),
                                  "active": sorted(frame.active), "event": entry.as_dict(), "data": data})
        before = data
    if diverged is not None:  # the frames stop there; so does the history
        # Numbered as the reader sees the record (outside the Hub, the events they may see, 1..n).
        shown_before = [v["seq"] for e in events if e.seq <= diverged.seq and (v := views.get(e.seq)) is not None]
        replay.diverged = Diverged(shown_before[-1] if shown_before else 0, reader.verification_note(diverged.reason))
        replay.not_shown = sum(1 for e in events if e.seq > diverged.seq and views.get(e.seq) is not None)
        _mark_divergence(replay, events, diverged, views=views, rows=rows, labels=labels, version=version)
    return replay


def _views(user: User, instance: ProcessInstance, reader: policy.Reader, events: list[AuditEvent],
           rows: dict[str, Task]) -> dict[int, dict]:
    """Each event the viewer may see (by its seq in the record), as they may read it: its data, actor and the
    number they know it by. An event about a task bound to another person or organisation, of a kind kept
    inside the Hub or, outside it, of a stage they do not follow, is not theirs to see."""
    shown = policy.events_as_shown(user, instance, reader, events, rows)
    return {e.seq: v for e, v in zip(events, shown, strict=True) if v is not None}


def _mark_divergence(replay: Replay, events: list[AuditEvent], exc: Diverged, *, views: dict[int, dict],
                     rows: dict[str, Task], labels: Labels, version: str | None) -> None:
    done = {e.seq for e in replay.entries}
    event = next((e for e in events if e.seq == exc.seq), None)
    shown = views.get(exc.seq) if event is not None else None
    if shown is None:
        return
    if shown["seq"] not in done:
        entry = make_entry(event, data=shown["data"], version=version, role=_role(event, rows, {}, None),
                           labels=labels, actor=shown["actor"])
        entry.seq = shown["seq"]
        replay.entries.append(entry)
    next(e for e in replay.entries if e.seq == shown["seq"]).diverged = True


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


def _role(event: AuditEvent, rows: dict[str, Task], roles: dict, first_role: str | None) -> str | None:
    if event.kind == "task_ready":
        return json.loads(event.data_json).get("role")
    if event.task_id:
        row = rows.get(event.task_id)
        return row.role if row is not None else roles.get(event.task_id)
    if event.kind == "instance_started":
        return first_role  # whoever starts the project holds the role of its first task
    return KIND_ROLES.get(event.kind)
