"""A person's own notifications and how they want each kind e-mailed: listed newest first, marked read, and the
unread count the header shows. Each person sees and changes only their own."""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import BadRequest, NotFound
from engine.notices.kinds import DELIVERIES, IMMEDIATELY, KINDS
from engine.store.models import Notification, NotificationPreference, User

MAX_PAGE = 200


def notifications_of(session: Session, *, user: User, limit: int = 50, offset: int = 0,
                     unread_only: bool = False) -> list[Notification]:
    if not 0 < limit <= MAX_PAGE or offset < 0:
        raise BadRequest(f"limit must be 1..{MAX_PAGE} and offset 0 or more.")
    stmt = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return list(session.scalars(stmt.order_by(Notification.id.desc()).limit(limit).offset(offset)))


def unread_count(session: Session, *, user: User) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_read(session: Session, *, user: User, clock: Clock, ids: list[int] | None = None) -> int:
    """Mark the user's own notifications read (all of them when no ids are given); returns how many changed."""
    if ids is not None and (not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool)
                                                                 for i in ids)):
        raise BadRequest("ids must be a list of notification ids.", fields={"ids": "Give whole numbers."})
    stmt = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    return session.execute(stmt.values(read_at=clock.now()).execution_options(synchronize_session=False)).rowcount


def open_notification(session: Session, *, user: User, notification_id: int, clock: Clock) -> Notification:
    """One of the user's own notifications, marked read as they follow it; anyone else's is not found."""
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise NotFound("No such notification.")
    mark_read(session, user=user, clock=clock, ids=[note.id])
    return note


def notification_view(n: Notification) -> dict:
    return {"id": n.id, "kind": n.kind, "subject": n.subject, "body": n.body, "link": n.link,
            "instance_id": n.instance_id, "task_id": n.task_id, "created_at": n.created_at.isoformat(),
            "read": n.read_at is not None, "emailed": n.email_state == "sent"}


def preferences_of(session: Session, *, user: User) -> dict[str, str]:
    """How each kind is delivered to this user (immediately unless they chose otherwise)."""
    chosen = dict(session.execute(select(NotificationPreference.kind, NotificationPreference.delivery)
                                  .where(NotificationPreference.user_id == user.id)).all())
    return {kind: chosen.get(kind, IMMEDIATELY) for kind in KINDS}


def set_preferences(session: Session, *, user: User, choices: dict) -> dict[str, str]:
    """Set some or all kinds at once; raises BadRequest naming every unknown kind or delivery (nothing changes)."""
    if not isinstance(choices, dict):
        raise BadRequest("Preferences are a set of kind: delivery.")
    errors = {str(k): f"Not a kind of notification: choose from {', '.join(KINDS)}." for k in choices if k not in KINDS}
    errors.update({k: f"Choose one of {', '.join(DELIVERIES)}." for k, v in choices.items()
                   if k in KINDS and v not in DELIVERIES})
    if errors:
        raise BadRequest("Some preferences are not recognised.", fields=errors)
    rows = {p.kind: p for p in session.scalars(select(NotificationPreference)
                                               .where(NotificationPreference.user_id == user.id))}
    for kind, delivery in choices.items():
        if kind in rows:
            rows[kind].delivery = delivery
        else:
            session.add(NotificationPreference(user_id=user.id, kind=kind, delivery=delivery))
    return {**preferences_of(session, user=user), **choices}
