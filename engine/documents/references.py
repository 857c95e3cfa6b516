"""Document references in answers: what a file field records ({"document", "name", "type", "size", "sha256"}),
resolved from what a submission gives (ids, or references carried from a draft or an earlier answer) to the
engine's own record of each document, and refused when the document is not the submitter's to give."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.documents.reading import may_read_document
from engine.policy import references_in as document_refs
from engine.repository.file_fields import KINDS, FileRule, file_fields
from engine.store.models import Document, FileContent, ProcessInstance, Task, User

ATTACHED, DRAFT = "attached", "draft"
MAX_ID = 2**31 - 1  # the largest id a document row can have
MOST_FILES = 50  # files one field may hold when its form says no maxItems
NOT_YOURS = "One of these files is not one you can attach here: upload it again."
ELSEWHERE = "Files can only be given in a file field."


def reference_of(document: Document) -> dict:
    return {"document": document.id, "name": document.name, "type": document.media_type, "size": document.size,
            "sha256": document.sha256}


def resolve_documents(session: Session, *, user: User, task: Task, instance: ProcessInstance, schema: dict | None,
                      data: dict) -> tuple[dict, dict[str, str]]:
    """The answers with each file field's files as references the engine vouches for, and the fields' errors. An
    empty list of files is no answer (so a required file field must hold one)."""
    fields = file_fields(schema or {})
    resolved, errors = dict(data), {}
    for key, value in data.items():
        if key not in fields:
            if next(document_refs(value), None) is not None:
                errors[key] = ELSEWHERE
            continue
        refs, error = _resolved(session, user, task, instance, key, fields[key], value)
        if error:
            errors[key] = error
        elif refs:
            resolved[key] = refs
        else:
            del resolved[key]
    return resolved, errors


def references_to_show(session: Session, *, user: User, task: Task, instance: ProcessInstance, schema: dict | None,
                       data: dict) -> dict:
    """The answers with each file field's files (ids or references, from a draft, an earlier answer or a refused
    post) as the references the engine vouches for, to show on the form again: any this person may not give here
    are left out, unnamed."""
    shown = dict(data)
    for key, rule in file_fields(schema or {}).items():
        given = data.get(key)
        if isinstance(given, list):
            shown[key] = [ref for item in given
                          for ref in _resolved(session, user, task, instance, key, rule, [item])[0]]
    return shown


def _resolved(session: Session, user: User, task: Task, instance: ProcessInstance, key: str, rule: FileRule,
              value: Any) -> tuple[list[dict], str | None]:
    if value is None:
        return [], None
    if not isinstance(value, list):
        return [], "Give a list of files."
    most = rule.max_files or MOST_FILES
    if len(value) > most:  # before anything is looked up: a list of thousands costs nobody any time
        many = "one file" if most == 1 else f"up to {most} files"
        return [], f"{rule.title} takes {many}: remove one, or upload fewer"
    found = [item.get("document") if isinstance(item, dict) else item for item in value]
    if any(isinstance(i, bool) or not isinstance(i, int) for i in found):
        return [], "Each file is given by its document number."
    ids = list(dict.fromkeys(found))
    documents = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(ids)))} if ids else {}
    refs = []
    for document_id in ids:
        document = documents.get(document_id)
        if document is None or not _may_give(session, user, task, instance, key, document):
            return [], NOT_YOURS
        if rule.kinds and not any(KINDS[k].media_type == document.media_type for k in rule.kinds):
            return [], f"{document.name} is not a kind of file this question takes."
        if rule.max_bytes is not None and document.size > rule.max_bytes:
            return [], f"{document.name} is larger than this question takes."
        refs.append(reference_of(document))
    return refs, None


def _may_give(session: Session, user: User, task: Task, instance: ProcessInstance, key: str,
              document: Document) -> bool:
    """A draft the submitter uploaded to this very field of this task, or a document already attached to this
    field in this project that they may read (an answer given before, carried forward: a document moved to another
    field would be read by others under that field's audience)."""
    if document.state == DRAFT:
        return (document.task_id, document.field, document.uploaded_by) == (task.id, key, user.username)
    return document.instance_id == instance.id and document.field == key \
        and may_read_document(session, user, document, instance=instance)


def attach_documents(session: Session, *, task: Task, data: dict, at: datetime) -> None:
    """The drafts a completed task's answers name become part of the record, with it."""
    ids = [ref["document"] for ref in document_refs(data)]
    if not ids:
        return
    for document in session.scalars(select(Document).where(Document.id.in_(ids), Document.state == DRAFT,
                                                           Document.task_id == task.id)):
        document.state, document.attached_at = ATTACHED, at


def discard_drafts(session: Session, *, task: Task, keep: dict, uploaded_by: str | None = None) -> None:
    """Drop the draft documents of a task (of one uploader, or everyone's) that these answers no longer name, and
    any content no other document holds: a file removed, replaced or left behind by a refusal is not kept for ever."""
    given = [ref["document"] for ref in document_refs(keep)] + [i for v in keep.values() if isinstance(v, list)
                                                                  for i in v]
    kept = [i for i in given if type(i) is int and 0 < i <= MAX_ID]  # a draft's answers are not checked: ids only
    stale = select(Document).where(Document.task_id == task.id, Document.state == DRAFT, Document.id.not_in(kept))
    if uploaded_by is not None:
        stale = stale.where(Document.uploaded_by == uploaded_by)
    dropped = list(session.scalars(stale))
    for document in dropped:
        session.delete(document)
    session.flush()
    hashes = {d.sha256 for d in dropped}
    if hashes:
        held = select(Document.id).where(Document.sha256 == FileContent.sha256).exists()
        session.execute(delete(FileContent).where(FileContent.sha256.in_(hashes), ~held))
