"""Signed-in browser sessions: the browser holds a random token, the database its hash, so signing out
(or disabling the user) ends the session wherever a copy of the cookie is."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.identity.digests import new_token, token_digest
from engine.store.models import ApiToken, SignInSession, User
from engine.store.trail import record_event

# Signed-in browser sessions end after this long unused, and after SESSION_MAX_AGE whatever happens.
SESSION_IDLE = timedelta(hours=8)
SESSION_MAX_AGE = timedelta(hours=24)
SESSION_TOUCH = timedelta(minutes=5)  # last_seen_at is written at most this often


def open_session(session: Session, *, user: User, clock: Clock, provider: str | None = None) -> str:
    """A new session token for this user's browser (signed in through `provider`, or here with a password);
    only its hash is stored."""
    token = new_token()
    now = clock.now()
    # Sessions past their age sign in no more: forget them (sign-ins stay on the audit trail).
    session.execute(delete(SignInSession).where(SignInSession.created_at < now - SESSION_MAX_AGE))
    session.add(SignInSession(token_hash=token_digest(token), user_id=user.id, created_at=now, last_seen_at=now,
                              provider=provider))
    return token


def session_user(session: Session, token: str, *, clock: Clock) -> tuple[User | None, bool]:
    """The active user whose unrevoked, unexpired session this token opens (or None), and whether its
    last_seen_at is old enough to be written again (see touch_session)."""
    row = session.scalars(select(SignInSession).where(SignInSession.token_hash == token_digest(token))).first()
    now = clock.now()
    if row is None or row.revoked_at is not None or now - row.created_at > SESSION_MAX_AGE \
            or now - row.last_seen_at > SESSION_IDLE:
        return None, False
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None, False
    return user, now - row.last_seen_at > SESSION_TOUCH


def touch_session(session: Session, token: str, *, clock: Clock) -> None:
    """Record that the session was used now (what keeps it from ending for lack of use)."""
    row = session.scalars(select(SignInSession).where(SignInSession.token_hash == token_digest(token))).first()
    if row is not None and row.revoked_at is None:
        row.last_seen_at = clock.now()


def close_session(session: Session, token: str, *, clock: Clock) -> str | None:
    """Sign out: the token, and every copy of the cookie holding it, signs in no more. Returns the identity
    provider the session was signed in through (None: a password here), whose own sign-out may be offered."""
    row = session.scalars(select(SignInSession).where(SignInSession.token_hash == token_digest(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    row.revoked_at = clock.now()
    user = session.get(User, row.user_id)
    record_event(session, instance=None, at=clock.now(), actor=user.username, kind="signed_out",
                 data={"username": user.username, **({"provider": row.provider} if row.provider else {})})
    return row.provider


def close_user_sessions(session: Session, user: User, *, clock: Clock) -> None:
    for row in session.scalars(select(SignInSession).where(SignInSession.user_id == user.id,
                                                           SignInSession.revoked_at.is_(None))):
        row.revoked_at = clock.now()


def end_api_tokens(session: Session, user: User, *, actor: str, clock: Clock) -> None:
    """Revoke every API token the user holds (disabled, or a password changed): re-enabling brings none back."""
    for row in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
        row.revoked_at = clock.now()
        record_event(session, instance=None, at=clock.now(), actor=actor, kind="token_revoked",
                     data={"username": user.username, "name": row.name, "by": actor})
