"""API tokens: bearer tokens for the REST API; only their hash is stored."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.identity.accounts import require_user
from engine.identity.digests import new_token, token_digest
from engine.store.models import ApiToken, User
from engine.store.trail import record_event


def create_token(session: Session, *, username: str, actor: str, clock: Clock) -> str:
    """Return a new bearer token for the user; only its hash is stored."""
    user = require_user(session, username)
    token = new_token()
    session.add(ApiToken(user_id=user.id, token_hash=token_digest(token), created_at=clock.now()))
    record_event(session, instance=None, at=clock.now(), actor=actor, kind="token_created",
                 data={"username": username})
    return token


def user_id_for_token(session: Session, token: str) -> int | None:
    """The id of the active user a bearer token belongs to, or None."""
    stmt = select(ApiToken.user_id).join(User, ApiToken.user_id == User.id).where(
        ApiToken.token_hash == token_digest(token), User.active.is_(True))
    return session.scalar(stmt)
