"""Uploading a file to an open task's file field: checked by its content and size, kept as a draft document of
its uploader's until the task is completed with it (engine.documents)."""
from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.documents.kinds import UploadLimits, described, safe_name, size_in_words, sniff
from engine.documents.storage import store_content
from engine.errors import Conflict, ServiceError, TooLarge, ValidationFailed
from engine.repository.deployments import compiled_for
from engine.repository.file_fields import KINDS, FileRule, file_fields
from engine.store.models import Document, User
from engine.tasks.access import form_as_deployed, open_running_task


def upload_document(session: Session, *, user: User, task_id: str, field: str, name: str, content: bytes,
                    limits: UploadLimits, clock: Clock) -> Document:
    """Keep one file for a task's file field. Raises NotFound, Forbidden, Conflict (the task is no longer open, or
    the project is on hold), ValidationFailed (no such file field, empty, or not a kind the field takes) and
    TooLarge; nothing is stored when it raises."""
    task, instance = open_running_task(session, user, task_id)
    rule = file_fields(form_as_deployed(instance.process_version, compiled_for(instance.process_version),
                                        task.bpmn_id) or {}).get(field)
    if rule is None:
        raise ValidationFailed("This form has no such file field.", fields={field: "This form has no such file field."})
    kind = _checked(rule, field, name, content, limits)
    _within_quota(session, user, task.id, field, rule)
    document = Document(instance_id=instance.id, task_id=task.id, field=field, name=safe_name(name, kind),
                        media_type=KINDS[kind].media_type, size=len(content), sha256=store_content(session, content),
                        uploaded_by=user.username, uploaded_at=clock.now(), state="draft")
    session.add(document)
    session.flush()
    return document


DRAFTS_PER_FILE = 4  # files a person may hold unsubmitted in one field, for each file it takes


def _within_quota(session: Session, user: User, task_id: str, field: str, rule: FileRule) -> None:
    """Files uploaded but not yet submitted are bounded: a field that takes two files holds eight drafts at most (a
    draft saved or a task completed discards those its answers no longer name)."""
    most = DRAFTS_PER_FILE * (rule.max_files or 5)
    held = session.scalar(select(func.count()).select_from(Document).where(
        Document.task_id == task_id, Document.field == field, Document.uploaded_by == user.username,
        Document.state == "draft"))
    if held >= most:
        message = (f"You have {held} files here not yet submitted: save your answers (or submit them) with the ones "
                   "you want before uploading more.")
        raise Conflict(message, fields={field: message})


def _checked(rule: FileRule, field: str, name: str, content: bytes, limits: UploadLimits) -> str:
    """The file's kind, or the refusal in words."""
    shown = safe_name(name, "txt")[:-4] or "The file"
    largest = min(rule.max_bytes or limits.max_bytes, limits.max_bytes)
    if len(content) > largest:
        message = f"{shown} is {size_in_words(len(content))}: files here may be up to {size_in_words(largest)}."
        raise TooLarge(message, fields={field: message})
    if not content:
        raise ValidationFailed(f"{shown} is empty.", fields={field: f"{shown} is empty."})
    kind = sniff(content, name)
    if kind not in rule.kinds:
        allowed = " or ".join(KINDS[k].label for k in rule.kinds) if len(rule.kinds) < 4 else "one of " + ", ".join(
            KINDS[k].label for k in rule.kinds)
        what = KINDS[kind].label if kind else described(content)
        message = f"{shown} is {_article(what)}, not {_article(allowed)}: upload {_article(allowed)}."
        raise ValidationFailed(message, fields={field: message})
    return kind


def _article(words: str) -> str:
    if words.startswith(("a ", "an ", "not ", "one of")):
        return words
    return ("an " if words[:1] in "AEIOU" else "a ") + words




Files = dict[str, list[tuple[str, bytes]]]  # the files sent with a form, by file field: (name as sent, content)


def add_uploads(session: Session, *, user: User, task_id: str, data: dict, files: Files, limits: UploadLimits,
                clock: Clock) -> tuple[dict, list[tuple[str, ServiceError]]]:
    """Upload the files sent with a form (in the caller's transaction: the completion or draft they come with) and
    add their ids to their fields' lists in `data`. Returns the answers and each refused file's field and reason;
    nothing is kept of a refused file. A file the person already holds as a draft in that field (chosen again
    after a refusal, or twice at once) is not added twice."""
    data, refused = dict(data), []
    for field, sent in files.items():
        given = data.get(field)
        if given is not None and not isinstance(given, list):
            refused.append((field, ValidationFailed("Give a list of files.", fields={field: "Give a list of files."})))
            continue
        kept = list(given or [])
        held = _own_drafts(session, user, task_id, field, kept)
        for name, content in sent:
            digest = hashlib.sha256(content).hexdigest()
            if digest in held:
                continue
            try:
                kept.append(upload_document(session, user=user, task_id=task_id, field=field, name=name,
                                            content=content, limits=limits, clock=clock).id)
                held.add(digest)
            except (TooLarge, ValidationFailed, Conflict) as error:  # Conflict: the project is on hold
                refused.append((field, error))
        if kept:
            data[field] = kept
    return data, refused


def _own_drafts(session: Session, user: User, task_id: str, field: str, kept: list) -> set[str]:
    """The contents (SHA-256) of the kept files that are this person's own drafts for this field: only theirs, so
    a file sent tells nothing of anyone else's."""
    ids = [i for i in kept if isinstance(i, int) and not isinstance(i, bool)]
    return set(session.scalars(select(Document.sha256).where(
        Document.id.in_(ids), Document.uploaded_by == user.username, Document.task_id == task_id,
        Document.field == field, Document.state == "draft"))) if ids else set()
