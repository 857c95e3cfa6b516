"""Writing notifications: one row per person, in the caller's transaction, e-mailed or not as they prefer."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.notices.kinds import DAILY, IMMEDIATELY, OFF, next_digest
from engine.store.db import wake_workers
from engine.store.models import Notification, NotificationPreference, User

PENDING, DIGEST, SENT, NOT_EMAILED = "pending", "digest", "sent", "none"  # Notification.email_state


@dataclass(frozen=True)
class Message:
    kind: str
    subject: str
    body: str  # plain words; the link is added by whoever shows or sends it
    link: str  # a path in the app
    instance_id: int | None = None
    task_id: str | None = None


def send(session: Session, recipients: Iterable[User], message: Message, *, now: datetime) -> list[Notification]:
    """Notify each active recipient once; their preference for this kind decides whether and when it is e-mailed."""
    people = {u.id: u for u in recipients if u is not None and u.active}
    if not people:
        return []
    chosen = dict(session.execute(select(NotificationPreference.user_id, NotificationPreference.delivery).where(
        NotificationPreference.user_id.in_(people), NotificationPreference.kind == message.kind)).all())
    rows = []
    for user_id, user in sorted(people.items()):
        delivery = chosen.get(user_id, IMMEDIATELY) if user.email else OFF
        state, attempt_at = {IMMEDIATELY: (PENDING, now), DAILY: (DIGEST, next_digest(now))}.get(
            delivery, (NOT_EMAILED, None))
        rows.append(Notification(
            user_id=user_id, kind=message.kind, instance_id=message.instance_id, task_id=message.task_id,
            subject=message.subject[:300], body=message.body, link=message.link, created_at=now,
            email_state=state, attempts=0, next_attempt_at=attempt_at))
    session.add_all(rows)
    if any(r.email_state != NOT_EMAILED for r in rows):
        wake_workers(session)
    return rows
