"""Writing notifications: one row per person, in the caller's transaction, e-mailed or not as they prefer."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import Integer, bindparam, insert, text
from sqlalchemy.orm import Session

from engine.notices.kinds import DAILY, IMMEDIATELY, OFF, next_digest
from engine.store.db import wake_workers
from engine.store.models import Notification, User

_PREFERENCES = text("SELECT user_id, kind, delivery FROM notification_preferences WHERE user_id IN :ids"
                    ).bindparams(bindparam("ids", expanding=True, type_=Integer))
_INSERT = insert(Notification.__table__)
PENDING, DIGEST, SENT, NOT_EMAILED = "pending", "digest", "sent", "none"  # Notification.email_state


@dataclass(frozen=True)
class Message:
    kind: str
    subject: str
    body: str  # plain words; the link is added by whoever shows or sends it
    link: str  # a path in the app
    instance_id: int | None = None
    task_id: str | None = None


def send(session: Session, recipients: Iterable[User], message: Message, *, now: datetime) -> int:
    """Notify each active recipient once; their preference for this kind decides whether and when it is e-mailed."""
    return send_all(session, [(recipients, message)], now=now)


def send_all(session: Session, batch: list[tuple[Iterable[User], Message]], *, now: datetime) -> int:
    """send() for several messages at once, reading everyone's preferences in one query."""
    batch = [({u.id: u for u in people if u is not None and u.active}, message) for people, message in batch]
    ids = {user_id for people, _ in batch for user_id in people}
    if not ids:
        return 0
    chosen = {(user_id, kind): delivery for user_id, kind, delivery in session.execute(_PREFERENCES,
                                                                                     {"ids": sorted(ids)})}
    rows = []
    for people, message in batch:
        for user_id, user in sorted(people.items()):
            delivery = chosen.get((user_id, message.kind), IMMEDIATELY) if user.email else OFF
            state, attempt_at = {IMMEDIATELY: (PENDING, now), DAILY: (DIGEST, next_digest(now))}.get(
                delivery, (NOT_EMAILED, None))
            rows.append({"user_id": user_id, "kind": message.kind, "instance_id": message.instance_id,
                         "task_id": message.task_id, "subject": message.subject[:300], "body": message.body,
                         "link": message.link, "created_at": now, "email_state": state, "attempts": 0,
                         "next_attempt_at": attempt_at})
    if rows:
        session.connection().execute(_INSERT, rows)  # plain SQL: a change's follow-up must cost its task little
    if any(r["email_state"] != NOT_EMAILED for r in rows):
        wake_workers(session)
    return len(rows)
