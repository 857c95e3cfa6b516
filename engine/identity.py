"""Users, organisations, roles, passwords and API tokens."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .clock import Clock
from .errors import BadRequest, Conflict, NotFound
from .history import record_event
from .models import ApiToken, Organisation, User, UserRole
from .policy import ROLES


def get_user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()


def require_user(session: Session, username: str) -> User:
    user = get_user(session, username)
    if user is None:
        raise NotFound(f"No user called {username!r}.")
    return user


def ensure_organisation(session: Session, name: str, *, kind: str = "industry") -> Organisation:
    org = session.scalars(select(Organisation).where(Organisation.name == name)).first()
    if org is None:
        org = Organisation(name=name, kind=kind)
        session.add(org)
        session.flush()
    return org


def add_user(session: Session, *, username: str, roles: list[str], actor: str, clock: Clock,
             organisation: str | None = None, password: str | None = None,
             display_name: str | None = None) -> User:
    """Create a user; raises BadRequest for unknown roles, Conflict if the name is taken."""
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        raise BadRequest(f"Unknown role(s): {', '.join(unknown) or 'none given'}. Roles: {', '.join(ROLES)}.")
    if "industry_partner" in roles and not organisation:
        raise BadRequest("An industry partner user must belong to an organisation (--org).")
    if get_user(session, username) is not None:
        raise Conflict(f"A user called {username!r} already exists.")
    org = ensure_organisation(session, organisation) if organisation else None
    user = User(username=username, display_name=display_name or username, active=True,
                password_hash=generate_password_hash(password) if password else None,
                organisation=org, created_at=clock.now(),
                role_rows=[UserRole(role=r) for r in sorted(set(roles))])
    session.add(user)
    session.flush()
    record_event(session, instance=None, at=clock.now(), actor=actor, kind="user_added",
                 data={"username": username, "roles": sorted(set(roles)), "organisation": organisation})
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = get_user(session, username)
    if user is None or not user.active or not user.password_hash:
        return None
    return user if check_password_hash(user.password_hash, password) else None


def _token_digest(token: str) -> str:
    # Tokens are 256-bit random values, so a fast hash is enough to make a stolen table useless.
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, *, username: str, actor: str, clock: Clock) -> str:
    """Return a new bearer token for the user; only its hash is stored."""
    user = require_user(session, username)
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_digest(token), created_at=clock.now()))
    record_event(session, instance=None, at=clock.now(), actor=actor, kind="token_created",
                 data={"username": username})
    return token


def user_id_for_token(session: Session, token: str) -> int | None:
    """The id of the active user a bearer token belongs to, or None."""
    stmt = select(ApiToken.user_id).join(User, ApiToken.user_id == User.id).where(
        ApiToken.token_hash == _token_digest(token), User.active.is_(True))
    return session.scalar(stmt)
