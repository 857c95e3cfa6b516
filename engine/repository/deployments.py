"""Deployed process versions: checks before deployment, content hashes, compiled-spec cache."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import policy, spiff
from engine.clock import Clock
from engine.errors import DiagramRejected, Forbidden, NotFound
from engine.repository import checks
from engine.repository.checks import CheckReport, Finding
from engine.store.models import ProcessInstance, ProcessVersion, User, UserRole
from engine.store.trail import record_event

_compiled: dict[str, spiff.CompiledProcess] = {}
_forms: dict[str, dict[str, dict]] = {}


def content_hash(bpmn: bytes, dmn: dict[str, bytes], forms: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for label, content in [("bpmn", bpmn)] + sorted(dmn.items()) + sorted(forms.items()):
        digest.update(f"{label}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def check_files(session: Session, *, bpmn: bytes, dmn: dict[str, bytes], forms: dict[str, bytes]) -> CheckReport:
    """Every check before deployment, including warnings that need the database (lanes nobody can act in)."""
    report = checks.check_diagram(bpmn, dmn, forms)
    report.findings += _staffing_warnings(session, report)
    return report


def _staffing_warnings(session: Session, report: CheckReport) -> list[Finding]:
    staffed = set(session.scalars(select(UserRole.role).join(User, User.id == UserRole.user_id)
                                  .where(User.active.is_(True))))
    return checks.staffing_warnings(report.lanes, staffed)


@dataclass(frozen=True)
class Deployment:
    """What deploy_process did; unpacks as (version, created) for callers that only need those."""
    version: ProcessVersion
    created: bool
    warnings: list[Finding] = field(default_factory=list)

    def __iter__(self) -> Iterator:
        return iter((self.version, self.created))


def deploy_process(session: Session, *, bpmn: bytes, dmn: dict[str, bytes], forms: dict[str, bytes],
                   actor: str, clock: Clock) -> Deployment:
    """Check and store a new version. Same content as a deployed version: that version, not created.

    Raises DiagramRejected with every finding when any check fails; warnings come back on success.
    """
    digest = content_hash(bpmn, dmn, forms)
    existing = _same_content(session, digest, bpmn, dmn, forms)
    if existing is not None:
        return Deployment(existing, False)
    report = check_files(session, bpmn=bpmn, dmn=dmn, forms=forms)
    if not report.ok or report.compiled is None:
        raise DiagramRejected(report.findings)
    compiled = report.compiled
    latest = session.scalar(select(func.max(ProcessVersion.version)).where(ProcessVersion.key == compiled.process_id))
    version = ProcessVersion(
        key=compiled.process_id, version=(latest or 0) + 1, name=compiled.name, content_hash=digest,
        bpmn_xml=bpmn.decode(), dmn_json=json.dumps({k: v.decode() for k, v in dmn.items()}),
        forms_json=json.dumps({k: json.loads(v) for k, v in forms.items()}),
        deployed_at=clock.now(), deployed_by=actor)
    session.add(version)
    session.flush()
    _compiled[digest] = compiled
    record_event(session, instance=None, at=clock.now(), actor=actor, kind="version_deployed",
                 data={"key": version.key, "version": version.version, "hash": digest})
    return Deployment(version, True, report.warnings)


def _same_content(session: Session, digest: str, bpmn: bytes, dmn: dict[str, bytes],
                  forms: dict[str, bytes]) -> ProcessVersion | None:
    """The deployed version with this content: the same hash, or the same diagram and tables with forms
    that parse to the same schemas (a copy made in the modeller re-serialises the forms it was given)."""
    found = session.scalars(select(ProcessVersion).where(ProcessVersion.content_hash == digest)).first()
    if found is not None:
        return found
    try:
        text, tables = bpmn.decode(), {k: v.decode() for k, v in dmn.items()}
        schemas = {k: json.loads(v) for k, v in forms.items()}
    except (ValueError, RecursionError):  # not JSON, or nested too deep to read: not the same content
        return None
    for version in session.scalars(select(ProcessVersion).where(ProcessVersion.bpmn_xml == text)):
        if json.loads(version.dmn_json) == tables and json.loads(version.forms_json) == schemas:
            return version
    return None


def deploy_for_user(session: Session, *, user: User, bpmn: bytes, dmn: dict[str, bytes],
                    forms: dict[str, bytes], clock: Clock) -> Deployment:
    """deploy_process on behalf of a person: only process owners may deploy."""
    if not policy.may_deploy(user):
        raise Forbidden("Only a process owner may deploy a process.")
    return deploy_process(session, bpmn=bpmn, dmn=dmn, forms=forms, actor=user.username, clock=clock)


def read_directory(processes_dir: Path, forms_dir: Path) -> tuple[bytes, dict[str, bytes], dict[str, bytes]]:
    bpmn_files = sorted(processes_dir.glob("*.bpmn"))
    if len(bpmn_files) != 1:
        raise NotFound(f"expected one .bpmn file in {processes_dir}, found {len(bpmn_files)}")
    dmn = {p.name: p.read_bytes() for p in sorted(processes_dir.glob("*.dmn"))}
    forms = {p.name: p.read_bytes() for p in sorted(forms_dir.glob("*.json"))}
    return bpmn_files[0].read_bytes(), dmn, forms


def compiled_for(version: ProcessVersion) -> spiff.CompiledProcess:
    """The parsed specs of a version, parsed once per process and kept."""
    compiled = _compiled.get(version.content_hash)
    if compiled is None:
        dmn = {k: v.encode() for k, v in json.loads(version.dmn_json).items()}
        compiled = spiff.compile_process(version.bpmn_xml.encode(), dmn)
        _compiled[version.content_hash] = compiled
    return compiled


def forms_of(version: ProcessVersion) -> dict[str, dict]:
    """The version's form schemas by file name (read once per process; treat as read-only)."""
    forms = _forms.get(version.content_hash)
    if forms is None:
        forms = _forms[version.content_hash] = json.loads(version.forms_json)
    return forms


def latest_version(session: Session, key: str) -> ProcessVersion:
    version = session.scalars(select(ProcessVersion).where(ProcessVersion.key == key)
                              .order_by(ProcessVersion.version.desc())).first()
    if version is None:
        raise NotFound(f"No process {key!r} is deployed.")
    return version


def get_version(session: Session, version_id: int) -> ProcessVersion:
    version = session.get(ProcessVersion, version_id)
    if version is None:
        raise NotFound(f"There is no process version {version_id}.")
    return version


def list_versions(session: Session) -> list[tuple[ProcessVersion, int]]:
    counts = dict(session.execute(select(ProcessInstance.process_version_id, func.count())
                                  .group_by(ProcessInstance.process_version_id)).all())
    versions = session.scalars(select(ProcessVersion).order_by(ProcessVersion.key, ProcessVersion.version))
    return [(v, counts.get(v.id, 0)) for v in versions]


def version_view(version: ProcessVersion, instances: int | None = None) -> dict:
    view = {"id": version.id, "key": version.key, "version": version.version, "name": version.name,
            "hash": version.content_hash, "deployed_at": version.deployed_at.isoformat(),
            "deployed_by": version.deployed_by}
    if instances is not None:
        view["instances"] = instances
    return view
