"""What a browser is part-way through signing in with, kept on the server rather than in its cookie (which is
signed, not secret, and which anyone holding the app's key could write): what it took to an identity provider
(state, nonce, PKCE verifier), read once by `take`; and a right password whose second factor is still to come,
read by `peek` until `forget`. `take` removes what it reads in the same transaction, so an answer replayed (even
with a copy of the browser's cookie) finds nothing, and two parallel replays cannot both find it."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.store.models import SignInState

LONGEST = timedelta(minutes=15)  # time to sign in at the provider


def keep(session: Session, key: str, value: str, *, seconds: int, clock: Clock) -> None:
    now = clock.now()
    session.execute(delete(SignInState).where(SignInState.expires_at < now))  # forget abandoned sign-ins
    lifetime = min(timedelta(seconds=seconds), LONGEST)
    session.merge(SignInState(key=key[:200], value=value, expires_at=now + lifetime))


def take(session: Session, key: str, *, clock: Clock) -> str | None:
    """The value kept under this key, removed as it is read; None when unknown, used already or expired."""
    row = session.scalars(select(SignInState).where(SignInState.key == key[:200])).first()
    if row is None:
        return None
    value, expired = row.value, row.expires_at < clock.now()
    # Only the transaction whose delete removed the row may use it: a parallel one removes nothing.
    removed = session.execute(delete(SignInState).where(SignInState.key == row.key)).rowcount
    return value if removed == 1 and not expired else None


def peek(session: Session, key: str, *, clock: Clock) -> str | None:
    """The value kept under this key, left in place; None when unknown or expired."""
    row = session.scalars(select(SignInState).where(SignInState.key == key[:200])).first()
    return row.value if row is not None and row.expires_at >= clock.now() else None


def forget(session: Session, key: str) -> None:
    session.execute(delete(SignInState).where(SignInState.key == key[:200]))
