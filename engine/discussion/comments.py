"""Posting a comment in a project's discussion. Append-only: a correction is a new comment that supersedes the
older one, and both stay. Each comment is also an event on the project's audit chain, written in the same
transaction under the project's lock, and each person it mentions is notified."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import policy
from engine.clock import Clock
from engine.discussion.audiences import chosen
from engine.discussion.mentions import mentioned_people
from engine.errors import Forbidden, NotFound, ValidationFailed
from engine.kernel.change import lock_instance
from engine.notices import messages
from engine.notices.outbox import send
from engine.policy.discussion import Audience, may_correct
from engine.policy.visibility import Reader, reader_for
from engine.store.lists import stored_list
from engine.store.models import Comment, ProcessInstance, Task, User
from engine.store.trail import record_event

MAX_BODY = 5000
EVENT_KIND = "comment_posted"


def post_comment(session: Session, *, user: User, instance_id: int, body: str, visibility: str | None,
                 organisation: str | None = None, supersedes: int | None = None, task_id: str | None = None,
                 clock: Clock) -> Comment:
    """Raises ValidationFailed (fields body, visibility, supersedes, task_id) for a comment that cannot be posted as
    asked, NotFound for a project the user may not see, Forbidden when they may not post in it at all. A project on
    hold or closed can still be discussed: a comment changes no task."""
    instance = visible_instance(session, user, instance_id)
    reader = reader_for(user, instance)
    allowed = policy.comment_audiences(user, instance, reader)
    if not allowed:
        raise Forbidden("You cannot post in this project's discussion.")
    text = comment_text(body)  # after the permission: nobody learns the rules of a project not theirs
    if supersedes is not None:
        audience = _correction_audience(session, user, instance, reader, supersedes, visibility, organisation)
        if audience not in allowed:
            raise ValidationFailed("You can no longer post to that comment's audience.",
                                   fields={"supersedes": "You can no longer post to that comment's audience."})
    else:
        audience = chosen(visibility, organisation, allowed)
    task = _task(session, user, instance, reader, task_id)
    people = mentioned_people(session, poster=user, instance=instance, audience=audience, body=text,
                              known_authors=readable_authors(session, user, instance, reader))
    lock_instance(instance, clock)  # comments and every other change to the project are recorded one at a time
    now = clock.now()
    comment = Comment(instance_id=instance.id, task_id=task.id if task else None, author=user.username, at=now,
                      body=text, visibility=audience.visibility, organisation=audience.organisation,
                      supersedes_id=supersedes, mentions=stored_list([p.username for p in people]))
    session.add(comment)
    session.flush()
    # Not the task's event (the history would give the author the task's role): the comment row says which task.
    record_event(session, instance=instance, at=now, actor=user.username, kind=EVENT_KIND,
                 data={"comment": comment.id, "body": text, "visibility": audience.visibility,
                       "organisation": audience.organisation, "supersedes": supersedes,
                       "mentions": [p.username for p in people], "task": comment.task_id})
    told = [p for p in people if p.username != user.username]
    send(session, told, messages.mentioned(instance, comment_id=comment.id, by=user), now=now)
    return comment


def comment_text(body: str | None) -> str:
    """The comment as stored: plain text, stripped, 1 to MAX_BODY characters, no NUL."""
    text = (body or "").strip()
    if not text:
        raise ValidationFailed("Enter your comment.", fields={"body": "Enter your comment."})
    if "\x00" in text:
        raise ValidationFailed("The comment holds a character that cannot be stored.",
                               fields={"body": "Remove the character that cannot be stored (NUL)."})
    if len(text) > MAX_BODY:
        message = f"Your comment is {len(text)} characters long: use at most {MAX_BODY}."
        raise ValidationFailed(message, fields={"body": message})
    return text


def visible_instance(session: Session, user: User, instance_id: int) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or not policy.may_see_instance(user, instance):
        raise NotFound("No such instance.")
    return instance


def readable_authors(session: Session, user: User, instance: ProcessInstance, reader: Reader) -> set[str]:
    """Who wrote the comments this user may read in this project."""
    rows = session.execute(select(Comment.author, Comment.visibility, Comment.organisation).where(
        Comment.instance_id == instance.id).distinct())
    return {author for author, visibility, organisation in rows
            if policy.may_read_comment(user, instance, reader, Audience(visibility, organisation))}


def _correction_audience(session: Session, user: User, instance: ProcessInstance, reader: Reader, supersedes: int,
                         visibility: str | None, organisation: str | None) -> Audience:
    """A correction is of one's own comment on this project, not yet corrected, and keeps its audience."""
    older = session.get(Comment, supersedes)
    if older is None or older.instance_id != instance.id or not policy.may_read_comment(
            user, instance, reader, Audience(older.visibility, older.organisation)) \
            or not may_correct(user, older.author):
        raise _refused("supersedes", "You can correct only a comment of your own in this project's discussion.")
    if session.scalar(select(Comment.id).where(Comment.supersedes_id == older.id).limit(1)) is not None:
        raise _refused("supersedes", "That comment has been corrected already: correct the latest version.")
    audience = Audience(older.visibility, older.organisation)
    if visibility and (visibility, organisation or None) != (audience.visibility, audience.organisation):
        raise _refused("visibility", "A correction is read by the same people as the comment it corrects.")
    return audience


def _task(session: Session, user: User, instance: ProcessInstance, reader: Reader, task_id: str | None) -> Task | None:
    """The task the comment was posted beside: one of this project's that the poster may see."""
    if not task_id:
        return None
    task = session.get(Task, task_id)
    if task is None or task.instance_id != instance.id or not policy.may_see_task(user, task) \
            or not reader.sees_task(task):
        raise _refused("task_id", "No such task in this project.")
    return task


def _refused(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: message})
