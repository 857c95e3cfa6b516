"""Out of office: a person names a colleague to take the tasks made for them between two dates. One
delegation at a time per person; setting and ending one goes on the record. Who may then do a task is still
policy's decision (engine.notices.changes hands a task to the delegate only when policy lets them do it)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import policy
from engine.clock import Clock
from engine.errors import BadRequest
from engine.identity.accounts import get_user
from engine.store.models import Delegation, User
from engine.store.trail import record_event

LONGEST = timedelta(days=366)


def current_delegation(session: Session, user: User, *, today: date) -> Delegation | None:
    """The delegation in force or still to come for this person (at most one)."""
    return session.scalars(select(Delegation).where(
        Delegation.user_id == user.id, Delegation.ended_at.is_(None), Delegation.ends_on >= today)
        .order_by(Delegation.starts_on)).first()


def delegations_in_force(session: Session, *, today: date) -> list[Delegation]:
    """Everyone away today whose delegate can still sign in (delegation.user is who is away)."""
    return [d for d in session.scalars(select(Delegation).where(
        Delegation.ended_at.is_(None), Delegation.starts_on <= today, Delegation.ends_on >= today))
        if d.delegate.active]


def set_delegation(session: Session, *, user: User, delegate: str, starts_on: date, ends_on: date,
                   clock: Clock) -> Delegation:
    """Name a delegate from `starts_on` to `ends_on` inclusive, replacing any delegation not yet over.
    Raises BadRequest (no such active colleague, oneself, sharing none of one's roles, or dates that are wrong)."""
    today = clock.now().date()
    other = get_user(session, (delegate or "").strip())
    if other is not None and other.id == user.id:
        raise BadRequest("You cannot be your own delegate.", fields={"delegate": "Choose someone else."})
    if other is None or not policy.may_delegate_to(user, other):
        # One answer for every refusal: nobody learns from it who else exists, or works where.
        raise BadRequest("Choose an active colleague who holds one of your roles"
                         + ("" if policy.is_internal(user) else " in your own organisation") + ".",
                         fields={"delegate": "Choose someone who could do your tasks."})
    if ends_on < starts_on:
        raise BadRequest("The last day must be on or after the first.", fields={"ends_on": "Use a later date."})
    if ends_on < today:
        raise BadRequest("That range is already over.", fields={"ends_on": "Use today or a later date."})
    if ends_on - starts_on > LONGEST:
        raise BadRequest("A delegation lasts at most a year.", fields={"ends_on": "Use an earlier date."})
    _end(session, user, clock)
    delegation = Delegation(user_id=user.id, delegate=other, delegate_id=other.id, starts_on=starts_on,
                            ends_on=ends_on, created_at=clock.now())
    session.add(delegation)
    record_event(session, instance=None, at=clock.now(), actor=user.username, kind="delegation_set",
                 data={"username": user.username, "delegate": other.username, "starts_on": starts_on.isoformat(),
                       "ends_on": ends_on.isoformat()})
    return delegation


def end_delegation(session: Session, *, user: User, clock: Clock) -> bool:
    """Back early: new tasks are the person's own again (tasks already handed over stay with the delegate)."""
    ended = _end(session, user, clock)
    if ended:
        record_event(session, instance=None, at=clock.now(), actor=user.username, kind="delegation_ended",
                     data={"username": user.username})
    return ended


def _end(session: Session, user: User, clock: Clock) -> bool:
    current = current_delegation(session, user, today=clock.now().date())
    if current is not None:
        current.ended_at = clock.now()
    return current is not None
