"""Proving documents unchanged: every document a project's record attaches is still there as attached (its bytes
hash to what the record carries, its name, kind and size are what was recorded, in the task and field that
attached it), and every document the project holds as attached was attached by an event on its record."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.policy import references_under
from engine.store.models import AuditEvent, Document, FileContent, ProcessInstance


@dataclass
class DocumentProblem:
    seq: int  # the event that attached or referenced it (the chain's last for a document no event names)
    reason: str


def document_problems(session: Session, instance: ProcessInstance, events: list[AuditEvent]) -> list[DocumentProblem]:
    documents = {d.id: d for d in session.scalars(select(Document).where(Document.instance_id == instance.id,
                                                                          Document.state == "attached"))}
    problems, seen, hashes = [], set(), {}
    for event in events:
        if event.kind != "task_completed":
            continue
        for key, ref in references_under(json.loads(event.data_json)):
            first = ref["document"] not in seen
            seen.add(ref["document"])
            found = _problem_of(documents.get(ref["document"]), ref, event, key, first=first)
            if found:
                problems.append(DocumentProblem(event.seq, found))
            elif first:
                document = documents[ref["document"]]
                if not _bytes_match(session, document.sha256, hashes):
                    problems.append(DocumentProblem(event.seq, f"the stored bytes of {document.name!r} no longer "
                                                               "match the hash recorded when it was attached"))
    problems += [DocumentProblem(instance.audit_seq, f"the document {d.name!r} (number {d.id}) is held as attached, "
                                                     "but no event on the record attached it")
                 for d in documents.values() if d.id not in seen]
    return problems


def _problem_of(document: Document | None, ref: dict, event: AuditEvent, key: str | None, *, first: bool) -> str | None:
    """Why the document's record no longer says what this reference on the trail says, or None."""
    if document is None or document.sha256 != ref["sha256"]:
        return f"the document {ref.get('name')!r} it attached is missing, or its record was changed"
    if (document.name, document.media_type, document.size) != (ref.get("name"), ref.get("type"), ref.get("size")):
        return f"the document {ref.get('name')!r} is now recorded with another name, kind or size"
    if first and (document.task_id, document.field) != (event.task_id, key):
        return f"the document {ref.get('name')!r} is recorded as attached to another task or question"
    return None


def _bytes_match(session: Session, sha256: str, checked: dict[str, bool]) -> bool:
    """Whether the content stored under this hash still hashes to it (each content read once per check)."""
    if sha256 not in checked:
        content = session.scalar(select(FileContent.content).where(FileContent.sha256 == sha256))
        checked[sha256] = content is not None and hashlib.sha256(content).hexdigest() == sha256
    return checked[sha256]
