"""Deployed process versions: checks before deployment, content hashes, compiled-spec cache."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import spiff
from .clock import Clock
from .errors import DiagramRejected, Forbidden, NotFound
from .forms import SCHEMA_PROPERTY, UI_SCHEMA_PROPERTY, schema_problem
from .history import record_event
from .models import ProcessInstance, ProcessVersion, User
from .policy import ROLES
from .sandbox import UnsafeCode, check_code
from .xmlsafe import UnsafeXml, parse_xml

# Elements whose text SpiffWorkflow evaluates as Python, and how (eval or exec).
CODE_ELEMENTS = {
    "conditionExpression": "eval", "timeDate": "eval", "timeDuration": "eval", "timeCycle": "eval",
    "loopCardinality": "eval", "completionCondition": "eval", "loopCondition": "eval",
    "script": "exec", "preScript": "exec", "postScript": "exec",
}
DMN_CODE_ELEMENTS = {"inputExpression", "inputEntry", "outputEntry"}

_compiled: dict[str, spiff.CompiledProcess] = {}
_forms: dict[str, dict[str, dict]] = {}


def content_hash(bpmn: bytes, dmn: dict[str, bytes], forms: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for label, content in [("bpmn", bpmn)] + sorted(dmn.items()) + sorted(forms.items()):
        digest.update(f"{label}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def check_deployment(bpmn: bytes, dmn: dict[str, bytes],
                     forms: dict[str, bytes]) -> tuple[spiff.CompiledProcess | None, list[str]]:
    """Every reason the files cannot be deployed (empty when they can), with the compiled process."""
    problems: list[str] = []
    trees = []
    for name, data in [("the BPMN file", bpmn)] + [(n, d) for n, d in sorted(dmn.items())]:
        try:
            trees.append((name, parse_xml(data, what=name)))
        except UnsafeXml as exc:
            problems.append(str(exc))
    if problems:
        return None, problems
    for name, tree in trees:
        problems += _code_problems(tree, dmn=name != "the BPMN file")
    if problems:
        return None, problems
    try:
        compiled = spiff.compile_process(bpmn, dmn)
    except (ValueError, *spiff.WorkflowError) as exc:
        return None, [f"SpiffWorkflow cannot run this diagram: {exc}"]
    schemas = {}
    for name, data in forms.items():
        try:
            schemas[name] = json.loads(data)
        except ValueError as exc:
            problems.append(f"form {name} is not valid JSON: {exc}")
    problems += _user_task_problems(compiled, schemas)
    return compiled, problems


def _code_problems(tree: etree._Element, *, dmn: bool) -> list[str]:
    problems = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        text = (element.text or "").strip()
        if not text:
            continue
        where = _element_id(element)
        if dmn and local in DMN_CODE_ELEMENTS:
            source = text if local != "inputEntry" or text[:1] not in "<>=!" else f"value {text}"
            mode = "eval"
        elif not dmn and local in CODE_ELEMENTS:
            source, mode = text, CODE_ELEMENTS[local]
        else:
            continue
        if dmn and local == "inputEntry" and text == "-":
            continue
        try:
            check_code(source, mode)
        except UnsafeCode as exc:
            problems.append(f"{where}: the {local} {exc}")
    return problems


def _element_id(element: etree._Element) -> str:
    node = element
    while node is not None:
        if node.get("id"):
            return f"element {node.get('id')}"
        node = node.getparent()
    return "an element"


def _user_task_problems(compiled: spiff.CompiledProcess, schemas: dict[str, object]) -> list[str]:
    problems = []
    for task in compiled.user_tasks.values():
        if task.role is not None and task.role not in ROLES:
            problems.append(f"element {task.bpmn_id}: lane role {task.role!r} is not a known role")
        form = task.properties.get(SCHEMA_PROPERTY)
        if not form:
            problems.append(f"element {task.bpmn_id}: the user task has no form ({SCHEMA_PROPERTY})")
        elif form not in schemas:
            problems.append(f"element {task.bpmn_id}: its form {form} was not provided")
        elif (why := schema_problem(schemas[form])) is not None:
            problems.append(f"element {task.bpmn_id}: its form {form} {why}")
        ui = task.properties.get(UI_SCHEMA_PROPERTY)
        if ui and ui not in schemas:
            problems.append(f"element {task.bpmn_id}: its UI schema {ui} was not provided")
    return problems


def deploy_process(session: Session, *, bpmn: bytes, dmn: dict[str, bytes], forms: dict[str, bytes],
                   actor: str, clock: Clock) -> tuple[ProcessVersion, bool]:
    """Check and store a new version; returns (version, created). Same content: the existing one.

    Raises DiagramRejected listing every problem.
    """
    digest = content_hash(bpmn, dmn, forms)
    existing = session.scalars(select(ProcessVersion).where(ProcessVersion.content_hash == digest)).first()
    if existing is not None:
        return existing, False
    compiled, problems = check_deployment(bpmn, dmn, forms)
    if problems or compiled is None:
        raise DiagramRejected(problems)
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
    return version, True


def deploy_for_user(session: Session, *, user: User, bpmn: bytes, dmn: dict[str, bytes],
                    forms: dict[str, bytes], clock: Clock) -> tuple[ProcessVersion, bool]:
    """deploy_process on behalf of a person: only process owners may deploy."""
    if "process_owner" not in user.roles:
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
