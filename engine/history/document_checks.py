"""Proving documents unchanged: every document a project's record attaches is still there, holds the bytes whose
hash the record carries, and every reference on the trail names such a document."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.policy import references_in
from engine.store.models import AuditEvent, Document, FileContent, ProcessInstance


@dataclass
class DocumentProblem:
    seq: int  # the event that attached or referenced it
    reason: str


def document_problems(session: Session, instance: ProcessInstance, events: list[AuditEvent]) -> list[DocumentProblem]:
    documents = {d.id: d for d in session.scalars(select(Document).where(Document.instance_id == instance.id,
                                                                          Document.state == "attached"))}
    problems, seen, hashes = [], set(), {}
    for event in events:
        if event.kind != "task_completed":
            continue
        for ref in references_in(json.loads(event.data_json)):
            document = documents.get(ref["document"])
            if document is None or document.sha256 != ref["sha256"]:
                problems.append(DocumentProblem(event.seq, f"the document {ref.get('name')!r} it attached is "
                                                           "missing, or its record was changed"))
                continue
            if document.id in seen:
                continue
            seen.add(document.id)
            if document.sha256 not in hashes:
                hashes[document.sha256] = _hash_of_stored(session, document.sha256)
            if hashes[document.sha256] != document.sha256:
                problems.append(DocumentProblem(event.seq, f"the stored bytes of the document {document.name!r} no "
                                                           "longer match the hash recorded when it was attached"))
    return problems


def _hash_of_stored(session: Session, sha256: str) -> str | None:
    content = session.scalar(select(FileContent.content).where(FileContent.sha256 == sha256))
    return hashlib.sha256(content).hexdigest() if content is not None else None
