"""A project's history as its viewer may read it: every audit event in order (with the deployment
of each version it ran on), filtered by kind and person, with each event's data and what it changed;
and the replay's frame after any one event (engine/history/replay.py). view_history and
view_replay_frame are what a person asks for: the read and, for auditors, its record, in one unit of work."""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine import policy
from engine.clock import Clock
from engine.errors import BadRequest, Forbidden
from engine.history.access_records import record_access, records_of
from engine.history.entries import KIND_LABELS, KIND_ROLES, Entry, Labels, labels_for, make_entry
from engine.history.replay_frames import Replay, replay_project
from engine.runtime.instances import get_instance
from engine.store.models import AuditEvent, ProcessInstance, ProcessVersion, User
from engine.store.trail import SYSTEM_CHAIN, event_view, verify_instance


@dataclass
class ProjectHistory:
    project: dict  # id, title, status, stage, last_seq
    entries: list[Entry]  # after the filters
    total: int  # before the filters
    kinds: list[tuple[str, str]]
    actors: list[tuple[str, str]]
    frames: list[dict]  # without the data, which the entries' changes already show
    versions: list[dict]  # each version it ran on, with its diagram
    warnings: list[str]
    replay: Replay
    element_names: dict[str, dict[str, str]]  # version hash -> diagram element id -> its name, for the steps in words

    @property
    def diagrams(self) -> dict[str, str]:
        return {v["hash"]: v["xml"] for v in self.versions}


def project_history(session: Session, *, user: User, instance_id: int, kind: str | None = None,
                    actor: str | None = None) -> ProjectHistory:
    """Raises BadRequest (unknown kind), NotFound (no such project, or not the user's to see) or
    Forbidden (neither an auditor nor taking part in it)."""
    if kind and kind not in KIND_LABELS:
        raise BadRequest(f"kind must be one of {', '.join(KIND_LABELS)}.")
    instance = get_instance(session, user=user, instance_id=instance_id)
    if not policy.may_read_events(session, user, instance):
        raise Forbidden("Only auditors and the people taking part can read this history.")
    replay = replay_project(session, user=user, instance=instance)
    versions = list(session.scalars(select(ProcessVersion).where(ProcessVersion.content_hash.in_(replay.versions))))
    versions.sort(key=lambda v: replay.versions[v.content_hash])
    reader = policy.reader_for(user, instance)
    system = _system_entries(session, user, instance, versions)
    if reader.outside:  # the system record's own numbers would count everything else the Hub did meanwhile
        for number, entry in enumerate(system, start=1):
            entry.system_seq = number
    entries = _merge(replay.entries, system, replay.versions)
    shown = [e for e in entries if (not kind or e.kind == kind) and (not actor or e.actor == actor)]
    # Outside the Hub the events are numbered as they see them: the record's numbers would count the others.
    last_seq = max((e.seq for e in replay.entries), default=0) + replay.not_shown if reader.outside \
        else instance.audit_seq
    deployers = labels_for(session, [], {reader.person(v.deployed_by) for v in versions})
    problems = verify_instance(session, instance.id)
    warnings = list(dict.fromkeys(f"{reader.verification_note(p.reason)}." if reader.outside
                                  else f"Event {p.seq}: {p.reason}." for p in problems))
    if replay.diverged is not None:
        warnings.append(f"Event {replay.diverged.seq}: re-running the project from its start does not reproduce "
                        f"the record ({replay.diverged.reason}). The history is shown up to that event"
                        + (f"; {replay.not_shown} later events are not shown." if replay.not_shown else "."))
    return ProjectHistory(
        project={"id": instance.id, "title": instance.title, "status": instance.status,
                 "stage": reader.stage(instance.stage), "last_seq": last_seq},
        entries=shown, total=len(entries), warnings=warnings, replay=replay,
        versions=[_version_view(v, replay, reader, deployers) for v in versions],
        kinds=list({e.kind: e.kind_label for e in entries}.items()),
        actors=list({e.actor: e.actor_name for e in entries}.items()),
        frames=[{k: v for k, v in f.items() if k != "data"} for f in replay.frames],
        element_names=labels_for(session, list(replay.versions), set()).elements)


def replay_frame(session: Session, *, user: User, instance_id: int, upto: int | None = None) -> dict:
    """The replay as it stood after event `upto` (the last event the user may see at or before it;
    the last event when `upto` is beyond the end or not given). Raises BadRequest, NotFound or
    Forbidden (auditors only, as interface.md says)."""
    if upto is not None and upto < 1:
        raise BadRequest("upto must be an event number, 1 or more.")
    instance = get_instance(session, user=user, instance_id=instance_id)
    if not policy.may_see_replay(user):
        raise Forbidden("Only auditors may replay a project's history.")
    replay = replay_project(session, user=user, instance=instance)
    diverged = {"seq": replay.diverged.seq, "reason": replay.diverged.reason} if replay.diverged else None
    reached = [f for f in replay.frames if upto is None or f["seq"] <= upto] or replay.frames[:1]
    frame = reached[-1] if reached else {"seq": 0, "version": None, "finished": [], "active": [],
                                         "event": None, "data": {}}
    return {**frame, "diverged": diverged}


def view_history(session: Session, *, user: User, instance_id: int, clock: Clock, kind: str | None = None,
                 actor: str | None = None) -> ProjectHistory:
    """project_history, with an auditor's (or administrator's) view of it put on the record in the same
    unit of work: a history that cannot be shown records nothing."""
    history = project_history(session, user=user, instance_id=instance_id, kind=kind, actor=actor)
    record_access(session, user=user, at=clock.now(), what="history", instance_id=instance_id)
    return history


def view_replay_frame(session: Session, *, user: User, instance_id: int, clock: Clock,
                      upto: int | None = None) -> dict:
    """replay_frame, with the auditor's view of it put on the record in the same unit of work."""
    frame = replay_frame(session, user=user, instance_id=instance_id, upto=upto)
    record_access(session, user=user, at=clock.now(), what="replay", instance_id=instance_id)
    return frame


def _version_view(version: ProcessVersion, replay: Replay, reader: policy.Reader, people: Labels) -> dict:
    return {"id": version.id, "key": version.key, "name": version.name, "version": version.version,
            "hash": version.content_hash,
            "deployed_at": version.deployed_at, "deployed_by": reader.person(version.deployed_by),
            "deployed_by_name": people.person(reader.person(version.deployed_by)),
            "since_seq": replay.versions[version.content_hash], "xml": version.bpmn_xml}


def _system_entries(session: Session, user: User, instance: ProcessInstance,
                    versions: list[ProcessVersion]) -> list[Entry]:
    """From the system chain: the deployment of each version the project ran on and, for auditors,
    each time someone viewed the project's record."""
    hashes = {v.content_hash for v in versions}
    wanted = [AuditEvent.kind == "version_deployed"]
    if policy.may_read_access_records(user):
        wanted.append(records_of(instance.id))
    found = list(session.scalars(select(AuditEvent).where(AuditEvent.chain == SYSTEM_CHAIN, or_(*wanted))
                                 .order_by(AuditEvent.seq)))
    labels = labels_for(session, [], {e.actor for e in found})
    reader = policy.reader_for(user, instance)
    entries = []
    for event in found:
        data = json.loads(event.data_json)
        shown = reader.event(event_view(event), task=None)
        if shown is None or (event.kind == "version_deployed" and data.get("hash") not in hashes):
            continue
        entries.append(make_entry(event, data=shown["data"], version=data.get("hash"),
                                  role=KIND_ROLES.get(event.kind), labels=labels, system=True, actor=shown["actor"]))
    return entries


def _merge(own: list[Entry], system: list[Entry], versions: dict[str, int]) -> list[Entry]:
    """The project's events keep their order. A deployment goes just before the event that put the
    project on that version; any other system event by time, after the project's events of that moment."""
    starts = {versions.get(e.version or ""): e for e in system if e.kind == "version_deployed"}
    pending = sorted((e for e in system if e.kind != "version_deployed"), key=lambda e: e.at)
    merged = []
    for entry in own:
        while pending and pending[0].at < entry.at:
            merged.append(pending.pop(0))
        if entry.seq in starts:
            merged.append(starts.pop(entry.seq))
        merged.append(entry)
    return merged + sorted([*starts.values(), *pending], key=lambda e: e.at)
