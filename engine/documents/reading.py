"""Reading documents: one (its bytes, the download on the record) or a project's list (never its bytes), each
only as engine.policy.documents allows."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import policy
from engine.clock import Clock
from engine.documents.storage import content_of
from engine.errors import NotFound
from engine.store.db import write_at_end
from engine.store.models import Document, ProcessInstance, Task, User
from engine.store.trail import record_event

DOWNLOAD_KIND = "document_downloaded"  # on the system chain: who opened which document of which project, when
NO_SUCH_DOCUMENT = "No such document."


def may_read_document(session: Session, user: User, document: Document, *,
                      instance: ProcessInstance | None = None) -> bool:
    instance = instance or session.get(ProcessInstance, document.instance_id)
    if instance is None or not policy.may_see_instance(user, instance):
        return False
    if document.state != "attached":
        return policy.may_read_draft(user, document)
    return document.id in _readable(session, user, instance, [document])


def _readable(session: Session, user: User, instance: ProcessInstance, documents: list[Document]) -> set[int]:
    """Which of these attached documents of the project the user may read (engine.policy.documents)."""
    task_ids = {d.task_id for d in documents}
    tasks = {t.id: t for t in session.scalars(select(Task).where(Task.id.in_(task_ids)))} if task_ids else {}
    held = list(session.scalars(select(Task).where(Task.instance_id == instance.id, Task.state == "ready",
                                                   Task.assignee == user.username)))
    return policy.readable_documents(user, instance, project_data=json.loads(instance.data_json or "{}"),
                                     documents=documents, tasks=tasks, held=held)


def open_document(session: Session, *, user: User, document_id: int, clock: Clock) -> tuple[Document, bytes]:
    """A document and its bytes, for a download. Raises NotFound when it is not the user's to read (whether or not
    it exists: an id guessed tells nothing). Every download of a project's document goes on the record."""
    document = session.get(Document, document_id)
    if document is None or not may_read_document(session, user, document):
        raise NotFound(NO_SUCH_DOCUMENT)
    content = content_of(session, document.sha256)
    if content is None:
        raise NotFound(NO_SUCH_DOCUMENT)
    if document.state == "attached":
        at, data = clock.now(), {"document": document.id, "instance": document.instance_id, "name": document.name,
                                 "sha256": document.sha256, "task": document.task_id}
        write_at_end(session, lambda s: record_event(s, instance=None, at=at, actor=user.username,
                                                     kind=DOWNLOAD_KIND, data=data))
    return document, content


@dataclass
class DocumentView:
    id: int
    name: str
    media_type: str
    size: int
    sha256: str
    field: str
    task_id: str
    task_title: str
    uploaded_by: str
    attached_at: datetime | None

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "type": self.media_type, "size": self.size, "sha256": self.sha256,
                "field": self.field, "task_id": self.task_id, "task": self.task_title,
                "uploaded_by": self.uploaded_by,
                "attached_at": self.attached_at.isoformat() if self.attached_at else None}


def project_documents(session: Session, *, user: User, instance_id: int) -> list[DocumentView]:
    """The documents attached to a project that this user may read, oldest first (their bytes are never loaded).
    Raises NotFound when the project is not theirs to see."""
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or not policy.may_see_instance(user, instance):
        raise NotFound("No such project.")
    documents = list(session.scalars(select(Document).where(Document.instance_id == instance_id,
                                                            Document.state == "attached")
                                     .order_by(Document.attached_at, Document.id)))
    if not documents:
        return []
    readable, reader = _readable(session, user, instance, documents), policy.reader_for(user, instance)
    titles = dict(session.execute(select(Task.id, Task.title).where(Task.id.in_({d.task_id for d in documents}))).all())
    # who uploaded it, as the reader may know them: outside the Hub, the Hub's people are "someone else"
    return [DocumentView(d.id, d.name, d.media_type, d.size, d.sha256, d.field, d.task_id, titles.get(d.task_id, ""),
                         reader.person(d.uploaded_by, session.get(Task, d.task_id)) or "", d.attached_at)
            for d in documents if d.id in readable]
