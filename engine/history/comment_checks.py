"""Proving a project's discussion unaltered: the comments pages show are read from their table, so every row must
say what its event on the project's chain recorded (author, time, text, audience, what it corrects), and every
comment must have such an event. Comments are append-only: a changed, added or removed row is a finding."""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.store.lists import names_in
from engine.store.models import AuditEvent, Comment, ProcessInstance

COMMENT_EVENT = "comment_posted"  # as engine.discussion.comments records it


@dataclass
class CommentProblem:
    seq: int  # the event that recorded the comment (the chain's last event for a comment with none)
    reason: str


def comment_problems(session: Session, instance: ProcessInstance, events: list[AuditEvent]) -> list[CommentProblem]:
    rows = {c.id: c for c in session.scalars(select(Comment).where(Comment.instance_id == instance.id))}
    problems, recorded = [], set()
    for event in events:
        if event.kind != COMMENT_EVENT:
            continue
        data = json.loads(event.data_json)
        comment = rows.get(data.get("comment"))
        recorded.add(data.get("comment"))
        if comment is None:
            problems.append(CommentProblem(event.seq, f"comment {data.get('comment')} it records is missing"))
        elif _as_recorded(comment) != (event.actor, event.at, {k: data.get(k) for k in _KEYS}):
            problems.append(CommentProblem(event.seq, f"comment {comment.id} no longer says what was recorded "
                                                      "when it was posted"))
    for comment_id in sorted(set(rows) - recorded):
        problems.append(CommentProblem(instance.audit_seq, f"comment {comment_id} has no event on the record"))
    return problems


_KEYS = ("body", "visibility", "organisation", "supersedes", "mentions", "task")


def _as_recorded(comment: Comment) -> tuple:
    return (comment.author, comment.at, {"body": comment.body, "visibility": comment.visibility,
                                         "organisation": comment.organisation, "supersedes": comment.supersedes_id,
                                         "mentions": names_in(comment.mentions), "task": comment.task_id})
