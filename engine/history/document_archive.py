"""A project's documents for an auditor, as one zip: every attached document under "<task title>/<name>" and a
manifest.json of what each is, where it came from and its SHA-256. Each file's bytes are checked against the hash
the record holds as they are written: an archive is complete and right, or not written at all."""
from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.documents.reading import DOWNLOAD_KIND
from engine.documents.storage import content_of
from engine.errors import Conflict, NotFound
from engine.store.db import write_at_end
from engine.store.models import Document, ProcessInstance, Task
from engine.store.trail import record_event

MANIFEST = "manifest.json"
UNSAFE_IN_FOLDER = re.compile(r'[\x00-\x1f/\\:*?"<>|]+')


class AlteredDocument(Conflict):
    """A document's stored bytes no longer match the hash recorded when it was attached."""

    code = "document_altered"


@dataclass(frozen=True)
class Archive:
    path: Path
    documents: int


def write_document_archive(session: Session, *, instance_id: int, path: Path, actor: str, clock: Clock) -> Archive:
    """Write the zip of every document attached to the project to `path` (replacing it only once complete), and put
    each document's download on the record (system chain) at the end of the unit of work. Raises NotFound (no such
    project) and AlteredDocument (stored bytes that do not match their hash: nothing is written)."""
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"No project {instance_id}.")
    documents = list(session.scalars(select(Document).where(Document.instance_id == instance_id,
                                                            Document.state == "attached")
                                     .order_by(Document.attached_at, Document.id)))
    titles = {task_id: title for task_id, title in session.execute(
        select(Task.id, Task.title).where(Task.id.in_({d.task_id for d in documents})))}
    entries, taken = [], set()
    partial = path.with_name(f".{path.name}.partial")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for document in documents:
                entry = _entry(document, titles.get(document.task_id) or "Task", taken)
                archive.writestr(entry["path"], _checked_content(session, document))
                entries.append(entry)
            archive.writestr(MANIFEST, json.dumps(_manifest(instance, entries, clock), indent=1, ensure_ascii=False))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    at = clock.now()
    for document in documents:
        data = {"document": document.id, "instance": instance_id, "name": document.name, "sha256": document.sha256,
                "task": document.task_id}
        write_at_end(session, lambda s, data=data: record_event(s, instance=None, at=at, actor=actor,
                                                                kind=DOWNLOAD_KIND, data=data))
    return Archive(path, len(documents))


def _checked_content(session: Session, document: Document) -> bytes:
    content = content_of(session, document.sha256)
    if content is None or hashlib.sha256(content).hexdigest() != document.sha256:
        raise AlteredDocument(f"Document {document.id} ({document.name}): its stored bytes no longer match the hash "
                              f"recorded when it was attached ({document.sha256[:12]}…); no archive was written. "
                              "Run `sixgates audit verify` for the whole record.")
    return content


def _entry(document: Document, task_title: str, taken: set[str]) -> dict:
    """What the manifest says of one document, with its path in the zip (a second file of the same name in the same
    folder, e.g. a task done again, gets " (2)")."""
    folder = UNSAFE_IN_FOLDER.sub("_", task_title).strip(" .") or "Task"
    stem, dot, extension = document.name.rpartition(".")
    candidate, number = f"{folder}/{document.name}", 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{folder}/{stem} ({number}).{extension}" if dot else f"{folder}/{document.name} ({number})"
    taken.add(candidate.lower())
    return {"id": document.id, "name": document.name, "type": document.media_type, "size": document.size,
            "sha256": document.sha256, "task": task_title, "task_id": document.task_id, "field": document.field,
            "uploaded_by": document.uploaded_by,
            "attached_at": document.attached_at.isoformat() if document.attached_at else None,
            "path": candidate}


def _manifest(instance: ProcessInstance, entries: list[dict], clock: Clock) -> dict:
    return {"project": {"id": instance.id, "title": instance.title}, "exported_at": clock.now().isoformat(),
            "documents": entries}
