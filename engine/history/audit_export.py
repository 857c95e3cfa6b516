"""Export the audit trail: XES (IEEE 1849) for process mining, CSV and JSON with every event.

XES: one trace per project ("project-<id>"), its events ordered by time. By default an event is a
completed user task: concept:name is the task's name in the diagram version the project ran at
that moment, org:resource the username, org:role the task's lane, org:group the person's
organisation. Only user tasks: they are the procedure's activities, done by people; the engine's
own steps (scripts, decision tables, gateways, timers) have no performer and no duration, and stay
in the CSV and JSON. `lifecycle="all"` adds "schedule" (task ready), "assign" (claimed) and
"withdraw" (closed unanswered) events of the same activity instance (concept:instance = the task's
id) for waiting-time analysis; token replay that classifies by concept:name alone wants the
default, which is why it is the default.

CSV and JSON also hold each project's documents (what was attached, by whom, to which task, with its SHA-256; never
the bytes: `sixgates audit documents` writes those) and its discussion's comments, as rows after its events in the
same columns, of kind "document" or "comment" (no event is called either). They have no seq or hash: the events
that attached or posted them do. XES is the process-mining log of tasks, so it has neither.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import policy
from engine.clock import Clock
from engine.errors import BadRequest, Forbidden, NotFound
from engine.history.access_records import record_access
from engine.repository.deployments import compiled_for
from engine.store.lists import names_in
from engine.store.models import AuditEvent, Comment, Document, ProcessInstance, ProcessVersion, Task, User
from engine.store.trail import event_view

FORMATS = ("xes", "csv", "json")
LIFECYCLES = ("complete", "all")
MEDIA_TYPES = {"xes": "application/xml", "csv": "text/csv; charset=utf-8", "json": "application/json"}
CSV_COLUMNS = ("instance_id", "seq", "at", "actor", "kind", "task", "task_id", "data", "prev_hash", "hash",
               "activity", "process_version")
TRANSITIONS = {"complete": {"task_completed": "complete"},
               "all": {"task_ready": "schedule", "task_claimed": "assign", "task_cancelled": "withdraw",
                       "task_completed": "complete"}}
EXTENSIONS = (("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
              ("Time", "time", "http://www.xes-standard.org/time.xesext"),
              ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
              ("Organizational", "org", "http://www.xes-standard.org/org.xesext"))
# Classifier names are NCNames in the IEEE 1849 schema, hence no spaces.
CLASSIFIERS = (("Activity", "concept:name"), ("Activity_lifecycle", "concept:name lifecycle:transition"))
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Row:
    """One audit event of one project, with the diagram version the project ran when it happened."""
    instance_id: int
    event: AuditEvent
    version: ProcessVersion

    def user_task(self):
        """The completed, readied or claimed user task's spec in that version, if the event is about one."""
        return compiled_for(self.version).user_tasks.get(self.event.task_name or "")


@dataclass(frozen=True)
class Export:
    filename: str
    media_type: str
    body: bytes
    events: int
    documents: int = 0  # document and comment rows (CSV and JSON only)
    comments: int = 0


def export(session: Session, *, fmt: str, instance_id: int | None, path: Path,
           lifecycle: str = "complete") -> Export:
    """Write the history (one project's, or every project's) to `path`; returns what it holds (not the body).

    Raises BadRequest (unknown format or lifecycle) and NotFound (no such project).
    """
    rendered = render(session, fmt=fmt, instance_id=instance_id, lifecycle=lifecycle)
    path.write_bytes(rendered.body)
    return Export(str(path), rendered.media_type, b"", rendered.events, rendered.documents, rendered.comments)


def download(session: Session, *, user: User, fmt: str, instance_id: int | None, clock: Clock,
             lifecycle: str = "complete") -> Export:
    """The export for an auditor, with their download put on the record in the same (writing) unit of
    work: an export that cannot be built records nothing.

    Raises BadRequest (unknown format or lifecycle), Forbidden (not an auditor) and NotFound.
    """
    _check_choice(fmt, lifecycle)
    require_exporter(user)
    rendered = render(session, fmt=fmt, instance_id=instance_id, lifecycle=lifecycle)
    record_access(session, user=user, at=clock.now(), what=f"export ({fmt})", instance_id=instance_id)
    return rendered


def require_exporter(user: User) -> None:
    """The export holds every project's personal data: auditors only (their reading is recorded)."""
    if not policy.may_export(user):
        raise Forbidden("Only auditors may export the audit trail.")


def exportable_projects(session: Session, *, user: User) -> list[tuple[int, str]]:
    """Every project, (id, title), for the auditor choosing what to export. Raises Forbidden."""
    require_exporter(user)
    return list(session.execute(select(ProcessInstance.id, ProcessInstance.title).order_by(ProcessInstance.id)))


def render(session: Session, *, fmt: str, instance_id: int | None, lifecycle: str = "complete") -> Export:
    _check_choice(fmt, lifecycle)
    projects = _projects(session, instance_id)
    rows = _rows(session, projects, instance_id)
    documents, comments = ([], []) if fmt == "xes" else (_documents(session, projects), _comments(session, projects))
    if fmt == "xes":
        body = _xes(rows, projects, _organisations(session), TRANSITIONS[lifecycle])
    else:
        plain = _in_project_order([_plain(row) for row in rows], documents, comments)
        body = json.dumps(plain, indent=1).encode() if fmt == "json" else _csv(plain)
    name = f"six-gates-project-{instance_id}-history" if instance_id is not None else "six-gates-history"
    return Export(f"{name}.{fmt}", MEDIA_TYPES[fmt], body, len(rows), len(documents), len(comments))


def dated(filename: str, day: date) -> str:
    """six-gates-history.xes -> six-gates-history-2026-03-02.xes"""
    stem, _, ext = filename.rpartition(".")
    return f"{stem}-{day.isoformat()}.{ext}"


def _check_choice(fmt: str, lifecycle: str) -> None:
    if fmt not in FORMATS:
        raise BadRequest(f"No export format {fmt!r}: choose {', '.join(FORMATS)}.", fields={"format": "unknown"})
    if lifecycle not in LIFECYCLES:
        raise BadRequest(f"No lifecycle {lifecycle!r}: choose {' or '.join(LIFECYCLES)}.",
                         fields={"lifecycle": "unknown"})


def _projects(session: Session, instance_id: int | None) -> dict[int, ProcessInstance]:
    stmt = select(ProcessInstance).order_by(ProcessInstance.id)
    if instance_id is not None:
        stmt = stmt.where(ProcessInstance.id == instance_id)
    projects = {p.id: p for p in session.scalars(stmt)}
    if instance_id is not None and not projects:
        raise NotFound(f"No project {instance_id}.")
    return projects


def _rows(session: Session, projects: dict[int, ProcessInstance], instance_id: int | None) -> list[Row]:
    """Every event of these projects, each with the version it ran on (migrations switch it)."""
    versions = {v.content_hash: v for v in session.scalars(select(ProcessVersion))}
    stmt = select(AuditEvent).where(AuditEvent.instance_id.is_not(None) if instance_id is None
                                    else AuditEvent.instance_id == instance_id)
    stmt = stmt.order_by(AuditEvent.instance_id, AuditEvent.seq)
    running: dict[int, ProcessVersion] = {}
    rows = []
    for event in session.scalars(stmt):
        data = json.loads(event.data_json)
        if event.kind == "instance_started":
            running[event.instance_id] = versions.get(data.get("hash"), projects[event.instance_id].process_version)
        elif event.kind == "instance_migrated":
            running[event.instance_id] = versions[data["to"]["hash"]]
        version = running.get(event.instance_id) or projects[event.instance_id].process_version
        rows.append(Row(event.instance_id, event, version))
    return rows


def _plain(row: Row) -> dict:
    spec = row.user_task()
    return dict(event_view(row.event), instance_id=row.instance_id, activity=spec.title if spec else None,
                process_version=row.version.version)


def _documents(session: Session, projects: dict[int, ProcessInstance]) -> list[dict]:
    """The documents attached to these projects, as rows (their bytes are never loaded)."""
    documents = list(session.scalars(select(Document).where(Document.instance_id.in_(projects),
                                                            Document.state == "attached")
                                     .order_by(Document.instance_id, Document.attached_at, Document.id)))
    tasks = {t.id: t for t in session.scalars(select(Task).where(Task.id.in_({d.task_id for d in documents})))}
    return [_record("document", d.instance_id, d.attached_at, d.uploaded_by, tasks.get(d.task_id), d.task_id, {
        "document": d.id, "name": d.name, "type": d.media_type, "size": d.size, "sha256": d.sha256,
        "field": d.field, "uploaded_at": d.uploaded_at.isoformat()}) for d in documents]


def _comments(session: Session, projects: dict[int, ProcessInstance]) -> list[dict]:
    """Every comment of these projects' discussions, whatever its audience, corrected ones included."""
    comments = session.scalars(select(Comment).where(Comment.instance_id.in_(projects))
                               .order_by(Comment.instance_id, Comment.at, Comment.id))
    return [_record("comment", c.instance_id, c.at, c.author, None, c.task_id, {
        "comment": c.id, "visibility": c.visibility, "organisation": c.organisation, "supersedes": c.supersedes_id,
        "body": c.body, "mentions": names_in(c.mentions)}) for c in comments]


def _record(kind: str, instance_id: int, at: datetime | None, actor: str, task: Task | None, task_id: str | None,
            data: dict) -> dict:
    """A row beside the events, in their columns: no place on a hash chain of its own."""
    return {"seq": None, "at": at.isoformat() if at else None, "actor": actor, "kind": kind,
            "task": task.bpmn_id if task else None, "task_id": task_id, "data": data, "prev_hash": None,
            "hash": None, "instance_id": instance_id, "activity": task.title if task else None,
            "process_version": None}


def _in_project_order(events: list[dict], documents: list[dict], comments: list[dict]) -> list[dict]:
    """Each project's events, then its documents, then its comments (the sort is stable)."""
    return sorted([*events, *documents, *comments], key=lambda row: row["instance_id"])


# Spreadsheet programs run cells starting with these as formulas; a leading quote shows them as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for plain in rows:
        cells = dict({k: plain.get(k) for k in CSV_COLUMNS}, data=json.dumps(plain["data"], sort_keys=True))
        writer.writerow({k: spreadsheet_safe(v) for k, v in cells.items()})
    return out.getvalue().encode()


def _organisations(session: Session) -> dict[str, str]:
    return {u.username: u.organisation_name for u in session.scalars(select(User)) if u.organisation_name}


def _xes(rows: list[Row], projects: dict[int, ProcessInstance], organisations: dict[str, str],
         transitions: dict[str, str]) -> bytes:
    log = etree.Element("log", {"xes.version": "1849.2016"})
    _xes_header(log, full_lifecycle=len(transitions) > 1)
    traces = {instance_id: _trace(log, project) for instance_id, project in projects.items()}
    for row in sorted(rows, key=lambda r: (r.instance_id, r.event.at, r.event.seq)):
        transition = transitions.get(row.event.kind)
        spec = row.user_task()
        if transition is None or spec is None:
            continue
        node = etree.SubElement(traces[row.instance_id], "event")
        _attribute(node, "string", "concept:name", spec.title)
        _attribute(node, "string", "concept:instance", row.event.task_id or "")
        _attribute(node, "string", "lifecycle:transition", transition)
        _attribute(node, "date", "time:timestamp", row.event.at.isoformat(timespec="milliseconds"))
        if row.event.actor != "engine":
            _attribute(node, "string", "org:resource", row.event.actor)
        if spec.role:
            _attribute(node, "string", "org:role", spec.role)
        if row.event.actor in organisations:
            _attribute(node, "string", "org:group", organisations[row.event.actor])
    return etree.tostring(log, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _xes_header(log: etree._Element, *, full_lifecycle: bool) -> None:
    """Extensions, the attributes every trace and event carries (with defaults), and the classifiers."""
    for name, prefix, uri in EXTENSIONS:
        etree.SubElement(log, "extension", name=name, prefix=prefix, uri=uri)
    trace_globals = etree.SubElement(log, "global", scope="trace")
    for kind, key, default in (("string", "concept:name", "__INVALID__"), ("int", "project_id", "0"),
                               ("string", "title", ""), ("string", "process", ""), ("int", "process_version", "0"),
                               ("string", "status", "")):
        _attribute(trace_globals, kind, key, default)
    event_globals = etree.SubElement(log, "global", scope="event")
    _attribute(event_globals, "string", "concept:name", "__INVALID__")
    _attribute(event_globals, "string", "concept:instance", "")
    _attribute(event_globals, "string", "lifecycle:transition", "complete")
    _attribute(event_globals, "date", "time:timestamp", "1970-01-01T00:00:00.000+00:00")
    if not full_lifecycle:  # scheduled and withdrawn tasks have no performer
        _attribute(event_globals, "string", "org:resource", "__INVALID__")
    classifiers = CLASSIFIERS if full_lifecycle else CLASSIFIERS + (("Resource", "org:resource"),)
    for name, keys in classifiers:  # a classifier's keys must be declared global
        etree.SubElement(log, "classifier", name=name, keys=keys)
    _attribute(log, "string", "concept:name", "Six Gates audit trail")
    _attribute(log, "string", "lifecycle:model", "standard")


def _trace(log: etree._Element, project: ProcessInstance) -> etree._Element:
    trace = etree.SubElement(log, "trace")
    _attribute(trace, "string", "concept:name", f"project-{project.id}")
    _attribute(trace, "int", "project_id", str(project.id))
    _attribute(trace, "string", "title", project.title)
    _attribute(trace, "string", "process", project.process_version.key)
    _attribute(trace, "int", "process_version", str(project.process_version.version))
    _attribute(trace, "string", "status", project.status)
    outcome = json.loads(project.data_json or "{}").get("project_outcome")
    if outcome:
        _attribute(trace, "string", "outcome", str(outcome))
    return trace


def _attribute(parent: etree._Element, kind: str, key: str, value: str) -> None:
    """Characters XML 1.0 cannot carry (control codes typed into a title) become U+FFFD."""
    etree.SubElement(parent, kind, key=key, value=NOT_XML.sub("\ufffd", value))
