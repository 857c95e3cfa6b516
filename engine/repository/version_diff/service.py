"""The services behind the versions pages and API: who deployed what and when, how many projects
run on each version, one version's files, and the diff between two. Only process owners,
administrators and auditors may read them."""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from engine import policy
from engine.errors import Forbidden
from engine.repository.deployments import get_version
from engine.repository.version_diff.bpmn_elements import read_elements
from engine.repository.version_diff.changes import Change, ProcessFiles
from engine.repository.version_diff.compare import diagram_markers, diff_files, forms_used, summarise
from engine.store.actor_names import actor_name
from engine.store.models import ProcessInstance, ProcessVersion, User

FINISHED = ("completed",)  # an instance in error has not finished: it still runs on its version


def may_read_versions(user: User) -> bool:
    return policy.may_read_versions(user)


def _check_reader(user: User) -> None:
    if not may_read_versions(user):
        raise Forbidden("Only process owners, administrators and auditors may see process versions.")


def files_of(version: ProcessVersion) -> ProcessFiles:
    return ProcessFiles(bpmn=version.bpmn_xml.encode(), dmn=json.loads(version.dmn_json),
                        forms=json.loads(version.forms_json))


@dataclass(frozen=True)
class VersionSummary:
    id: int
    key: str
    version: int
    name: str
    hash: str
    deployed_at: datetime
    deployed_by: str
    deployed_by_name: str
    in_progress: int  # projects not finished (running, or stopped by an error)
    finished: int
    previous_id: int | None  # the version before this one of the same process

    def as_dict(self) -> dict:
        return {**self.__dict__, "deployed_at": self.deployed_at.isoformat()}


def list_versions(session: Session, *, user: User) -> list[VersionSummary]:
    """Every deployed version, by process key then version, with its projects in progress and finished.

    Raises Forbidden unless the user is a process owner, administrator or auditor."""
    _check_reader(user)
    return list(_summaries(session).values())


def _summaries(session: Session, *keys: str) -> dict[int, VersionSummary]:
    """Summaries of the versions of these process keys (of all when none given), by id."""
    wanted = [ProcessVersion.key.in_(keys)] if keys else []
    versions = list(session.scalars(select(ProcessVersion).where(*wanted)
                                    .order_by(ProcessVersion.key, ProcessVersion.version)))
    finished = case((ProcessInstance.status.in_(FINISHED), 1), else_=0)
    counts = {row[0]: (row[1] - (row[2] or 0), row[2] or 0) for row in session.execute(
        select(ProcessInstance.process_version_id, func.count(), func.sum(finished))
        .where(ProcessInstance.process_version_id.in_([v.id for v in versions]))
        .group_by(ProcessInstance.process_version_id))}
    names = dict(session.execute(select(User.username, User.display_name)
                                 .where(User.username.in_({v.deployed_by for v in versions}))).all())
    previous: dict[str, int] = {}
    found = {}
    for v in versions:
        running, done = counts.get(v.id, (0, 0))
        found[v.id] = VersionSummary(
            id=v.id, key=v.key, version=v.version, name=v.name, hash=v.content_hash, deployed_at=v.deployed_at,
            deployed_by=v.deployed_by, deployed_by_name=actor_name(v.deployed_by, names),
            in_progress=running, finished=done, previous_id=previous.get(v.key))
        previous[v.key] = v.id
    return found


@dataclass(frozen=True)
class VersionDetail:
    summary: VersionSummary
    bpmn_xml: str
    forms: list[dict]  # file, title, tasks (the names of the tasks showing it)
    dmn_files: list[str]

    def as_dict(self) -> dict:
        return {**self.summary.as_dict(), "forms": self.forms, "dmn_files": self.dmn_files}


def version_detail(session: Session, *, user: User, version_id: int) -> VersionDetail:
    """One version: its summary, the diagram XML, its forms and its decision files.

    Raises Forbidden (see list_versions), NotFound for an unknown id."""
    _check_reader(user)
    version = get_version(session, version_id)
    files = files_of(version)
    elements = read_elements(files.bpmn)
    users = forms_used(elements)
    forms = [{"file": name, "title": schema.get("title") if isinstance(schema.get("title"), str) else None,
              "tasks": [elements[i].name or i for i in users.get(name, ())]}
             for name, schema in sorted(files.forms.items())]
    return VersionDetail(summary=_summaries(session, version.key)[version.id], bpmn_xml=version.bpmn_xml,
                         forms=forms, dmn_files=sorted(files.dmn))


def version_bpmn(session: Session, *, user: User, version_id: int) -> tuple[str, str]:
    """(file name, BPMN XML) of one version. Raises Forbidden, NotFound as version_detail."""
    _check_reader(user)
    version = get_version(session, version_id)
    return re.sub(r"[^A-Za-z0-9_.-]", "_", f"{version.key}-v{version.version}.bpmn"), version.bpmn_xml


_diffs: dict[tuple[str, str], list[Change]] = {}  # (old hash, new hash) -> changes: deployed versions never change
_diffs_lock = threading.Lock()  # the server's threads share the cache
DIFFS_KEPT = 64


def _changes_between(old: ProcessVersion, new: ProcessVersion) -> list[Change]:
    key = (old.content_hash, new.content_hash)
    with _diffs_lock:
        kept = _diffs.get(key)
    if kept is None:
        kept = diff_files(files_of(old), files_of(new))  # outside the lock: two threads may both work it out once
        with _diffs_lock:
            while len(_diffs) >= DIFFS_KEPT:
                _diffs.pop(next(iter(_diffs)))
            _diffs[key] = kept
    return list(kept)


def version_diagram(session: Session, *, user: User, version_id: int) -> tuple[str, str]:
    """(content hash, BPMN XML) of one version, for the pages that draw it (project, history, diff). Raises
    Forbidden (a sponsor or partner, who sees the stages instead) or NotFound."""
    if not policy.may_see_process_diagram(user):
        raise Forbidden("The procedure's diagram is shown inside the Hub only.")
    version = get_version(session, version_id)
    return version.content_hash, version.bpmn_xml


@dataclass(frozen=True)
class VersionDiff:
    old: VersionSummary
    new: VersionSummary
    changes: list[Change]
    old_xml: str
    new_xml: str

    @property
    def summary(self) -> dict:
        return summarise(self.changes)

    @property
    def markers(self) -> dict:
        return diagram_markers(self.changes)

    def as_dict(self) -> dict:
        return {"old": self.old.as_dict(), "new": self.new.as_dict(), "summary": self.summary, "markers": self.markers,
                "changes": [c.as_dict() for c in self.changes]}


def version_diff(session: Session, *, user: User, old_id: int, new_id: int) -> VersionDiff:
    """What changed from version `old_id` to version `new_id` (any two, of any process).

    Raises Forbidden unless the user is a process owner, administrator or auditor; NotFound
    when either version does not exist."""
    _check_reader(user)
    old, new = get_version(session, old_id), get_version(session, new_id)
    changes = _changes_between(old, new)
    summaries = _summaries(session, old.key, new.key)
    return VersionDiff(old=summaries[old.id], new=summaries[new.id], changes=changes,
                       old_xml=old.bpmn_xml, new_xml=new.bpmn_xml)
