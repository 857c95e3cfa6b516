"""Export the audit trail: XES (IEEE 1849) for process mining, CSV and JSON."""
from __future__ import annotations

import csv
import json
from pathlib import Path

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from .history import event_view
from .models import AuditEvent, ProcessInstance, ProcessVersion
from .repository import compiled_for

FORMATS = ("xes", "csv", "json")
CSV_COLUMNS = ("instance_id", "seq", "at", "actor", "kind", "task", "task_id", "data", "prev_hash", "hash")


def _events(session: Session, instance_id: int | None) -> list[tuple[int, dict]]:
    stmt = select(AuditEvent).where(AuditEvent.instance_id.is_not(None))
    if instance_id is not None:
        stmt = stmt.where(AuditEvent.instance_id == instance_id)
    stmt = stmt.order_by(AuditEvent.instance_id, AuditEvent.seq)
    return [(e.instance_id, event_view(e)) for e in session.scalars(stmt)]


def export(session: Session, *, fmt: str, instance_id: int | None, path: Path) -> int:
    events = _events(session, instance_id)
    if fmt == "json":
        path.write_text(json.dumps([dict(v, instance_id=i) for i, v in events], indent=1))
    elif fmt == "csv":
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
            writer.writeheader()
            for i, v in events:
                row = {k: v.get(k) for k in CSV_COLUMNS}
                row.update(instance_id=i, data=json.dumps(v["data"], sort_keys=True))
                writer.writerow(row)
    else:
        path.write_bytes(_xes(session, events))
    return len(events)


def _xes(session: Session, events: list[tuple[int, dict]]) -> bytes:
    """One trace per project; one event per completed user task, named as in the diagram."""
    log = etree.Element("log", {"xes.version": "1849-2016", "xes.features": "nested-attributes"})
    for name, prefix, uri in (("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
                              ("Time", "time", "http://www.xes-standard.org/time.xesext"),
                              ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
                              ("Organizational", "org", "http://www.xes-standard.org/org.xesext")):
        etree.SubElement(log, "extension", name=name, prefix=prefix, uri=uri)
    titles = _task_titles(session)
    traces: dict[int, etree._Element] = {}
    for instance_id, event in events:
        if event["kind"] != "task_completed":
            continue
        trace = traces.get(instance_id)
        if trace is None:
            trace = traces[instance_id] = etree.SubElement(log, "trace")
            etree.SubElement(trace, "string", key="concept:name", value=f"project-{instance_id}")
        node = etree.SubElement(trace, "event")
        activity = titles.get((instance_id, event["task"]), event["task"])
        etree.SubElement(node, "string", key="concept:name", value=activity)
        etree.SubElement(node, "string", key="lifecycle:transition", value="complete")
        etree.SubElement(node, "string", key="org:resource", value=event["actor"])
        etree.SubElement(node, "date", key="time:timestamp", value=event["at"])
    return etree.tostring(log, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _task_titles(session: Session) -> dict[tuple[int, str], str]:
    titles = {}
    rows = session.execute(select(ProcessInstance.id, ProcessVersion).join(
        ProcessVersion, ProcessVersion.id == ProcessInstance.process_version_id))
    for instance_id, version in rows:
        for bpmn_id, spec in compiled_for(version).user_tasks.items():
            titles[(instance_id, bpmn_id)] = spec.title
    return titles
