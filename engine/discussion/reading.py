"""Reading a project's discussion: the comments this user may read, oldest first, each with its author by name,
its audience in words and the correction that superseded it; and what the form offers them (audiences, people to
mention)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import policy
from engine.discussion.audiences import audience_words, choice_value
from engine.discussion.comments import readable_authors, visible_instance
from engine.discussion.mentions import Candidate, mention_candidates
from engine.policy.discussion import Audience, author_role
from engine.policy.visibility import Reader, reader_for
from engine.store.actor_names import actor_name
from engine.store.lists import names_in
from engine.store.models import Comment, ProcessInstance, Task, User


@dataclass(frozen=True)
class CommentView:
    id: int
    author: str  # username (an @mention names it)
    author_name: str
    author_role: str | None  # inside the Hub: what they do, in words
    author_organisation: str | None
    at: datetime
    body: str  # plain text: shown escaped, its links made links
    visibility: str
    organisation: str | None
    audience: str  # in words
    supersedes: int | None
    superseded_by: int | None  # the correction that replaced it (both stay on the record)
    mentions: list[Candidate]
    task_id: str | None  # the task it was posted beside, when the reader may see that task
    task_title: str | None
    mine: bool

    def as_dict(self) -> dict:
        return {"id": self.id, "author": self.author, "author_name": self.author_name,
                "author_role": self.author_role, "author_organisation": self.author_organisation,
                "at": self.at.isoformat(), "body": self.body, "visibility": self.visibility,
                "organisation": self.organisation, "audience": self.audience, "supersedes": self.supersedes,
                "superseded_by": self.superseded_by, "task_id": self.task_id, "task_title": self.task_title,
                "mentions": [{"username": m.username, "name": m.name} for m in self.mentions]}


@dataclass(frozen=True)
class Choice:
    """An audience the user may post to, as the form offers it."""
    value: str  # the radio button's value
    label: str
    visibility: str
    organisation: str | None


@dataclass(frozen=True)
class Thread:
    instance_id: int
    task_id: str | None
    comments: list[CommentView]
    choices: list[Choice]  # none: the user may read but not post
    candidates: list[Candidate]  # whom they may mention


def comments_for(session: Session, *, user: User, instance_id: int) -> list[CommentView]:
    """NotFound for a project the user may not see."""
    instance = visible_instance(session, user, instance_id)
    return _views(session, user, instance, reader_for(user, instance))


def thread_of(session: Session, *, user: User, instance_id: int, task_id: str | None = None) -> Thread:
    """The comments, and what the form offers this user: the audiences they may post to, the people to mention."""
    instance = visible_instance(session, user, instance_id)
    reader = reader_for(user, instance)
    audiences = policy.comment_audiences(user, instance, reader)
    candidates = mention_candidates(session, poster=user, instance=instance, audiences=audiences,
                                    known_authors=readable_authors(session, user, instance, reader))
    choices = [Choice(choice_value(a), audience_words(a), a.visibility, a.organisation) for a in audiences]
    return Thread(instance.id, task_id, _views(session, user, instance, reader), choices, candidates)


def _views(session: Session, user: User, instance: ProcessInstance, reader: Reader) -> list[CommentView]:
    rows = [c for c in session.scalars(select(Comment).where(Comment.instance_id == instance.id).order_by(Comment.id))
            if policy.may_read_comment(user, instance, reader, Audience(c.visibility, c.organisation))]
    usernames = {c.author for c in rows} | {name for c in rows for name in names_in(c.mentions)}
    people = {u.username: u for u in session.scalars(select(User).where(User.username.in_(usernames)))}
    task_ids = {c.task_id for c in rows if c.task_id}
    tasks = {t.id: t for t in session.scalars(select(Task).where(Task.id.in_(task_ids)))} if task_ids else {}
    shown_tasks = {i: t for i, t in tasks.items() if policy.may_see_task(user, t) and reader.sees_task(t)}
    corrected_by = {c.supersedes_id: c.id for c in rows if c.supersedes_id}
    names = {name: person.display_name for name, person in people.items()}
    return [_view(c, people.get(c.author), names, shown_tasks.get(c.task_id or ""), corrected_by.get(c.id),
                  mine=c.author == user.username) for c in rows]


def _view(c: Comment, author: User | None, names: dict[str, str], task: Task | None, superseded_by: int | None, *,
          mine: bool) -> CommentView:
    audience = Audience(c.visibility, c.organisation)
    return CommentView(
        id=c.id, author=c.author, author_name=actor_name(c.author, names),
        author_role=author_role(author) if author else None,
        author_organisation=author.organisation_name if author else None, at=c.at, body=c.body,
        visibility=c.visibility, organisation=c.organisation, audience=audience_words(audience),
        supersedes=c.supersedes_id, superseded_by=superseded_by,
        mentions=[Candidate(actor_name(name, names), name) for name in names_in(c.mentions)],
        task_id=task.id if task else None, task_title=task.title if task else None, mine=mine)
