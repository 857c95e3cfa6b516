"""The re-run's frames of a project, kept in memory while nothing it reads has changed.

Re-running a project through SpiffWorkflow is most of what its history page costs, and it gives the
same frames for the same inputs: the recorded events, the
versions they name (content-addressed), the task rows and the stored state it checks at the end.
So the frames are kept under a fingerprint of exactly those inputs; any new event, task change or
edit of the stored state makes a new fingerprint and a new re-run.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy.orm import Session

from engine.history.rerun import Diverged, Frame, Rerun
from engine.store.models import AuditEvent, ProcessInstance, Task
from engine.store.trail import canonical_json

SIZE = 16  # projects whose frames are kept (each holds its data after every event), least recently read dropped first


@dataclass(frozen=True)
class _Kept:
    frames: tuple[tuple[int, frozenset[str], frozenset[str], dict], ...]  # seq, finished, active, data
    diverged: Diverged | None


_kept: OrderedDict[str, _Kept] = OrderedDict()
_lock = threading.Lock()


def rerun_frames(session: Session, instance: ProcessInstance, events: list[AuditEvent],
                 rows: dict[str, Task]) -> tuple[list[Frame], Diverged | None]:
    """The frame after each event up to any divergence, and the divergence (None when the re-run
    reproduces the record and the stored state). `rows`: the project's task rows by id."""
    key = _fingerprint(instance, events, rows)
    with _lock:
        kept = _kept.get(key)
        if kept is not None:
            _kept.move_to_end(key)
    if kept is None:
        kept = _rerun(session, instance, events)
        with _lock:
            _kept[key] = kept
            while len(_kept) > SIZE:
                _kept.popitem(last=False)
    by_seq = {e.seq: e for e in events}
    frames = [Frame(by_seq[seq], set(finished), set(active), data) for seq, finished, active, data in kept.frames]
    return frames, kept.diverged


def _rerun(session: Session, instance: ProcessInstance, events: list[AuditEvent]) -> _Kept:
    rerun, frames = Rerun(session, instance), []
    try:
        for frame in rerun.frames(events):
            frames.append((frame.event.seq, frozenset(frame.finished), frozenset(frame.active), frame.data))
        rerun.finish()
    except Diverged as exc:
        return _Kept(tuple(frames), exc)
    return _Kept(tuple(frames), None)


def _fingerprint(instance: ProcessInstance, events: list[AuditEvent], rows: dict[str, Task]) -> str:
    """Everything the re-run reads, hashed: the events, the task rows and the stored state."""
    tasks = sorted((t.id, t.state, t.assignee, t.organisations, t.excluded_users, t.completed_by,
                    str(t.completed_at), t.data_json) for t in rows.values())
    # Each event's own fields, not only its hash: an event edited in place must be re-run, not remembered.
    record = [(e.seq, str(e.at), e.actor, e.kind, e.task_id, e.task_name, e.data_json, e.hash) for e in events]
    return hashlib.sha256(canonical_json({
        "instance": [instance.id, instance.audit_seq, instance.status, instance.data_json],
        "events": record, "tasks": tasks}).encode()).hexdigest()
