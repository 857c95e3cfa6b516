"""API tokens: bearer tokens for the REST API, named and expiring; only their hash is stored. A person makes, lists
and revokes their own; administrators list and revoke anyone's. Tokens made before tokens expired (expires_at None)
keep working until revoked."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from engine.clock import Clock
from engine.errors import BadRequest, Forbidden, NotAuthenticated, NotFound
from engine.identity.accounts import require_user
from engine.identity.digests import new_token, token_digest
from engine.identity.second_factor import has_second_factor, requires_second_factor
from engine.policy import may_administer, may_manage_tokens_of
from engine.store.models import ApiToken, ExternalIdentity, User
from engine.store.trail import record_event

DEFAULT_NAME = "API token"
DEFAULT_DAYS = 90
MAX_DAYS = 365
MAX_NAME = 100
CHOICES_OF_DAYS = (30, 90, 180, 365)  # what the page offers
TOUCH = timedelta(minutes=5)  # last_used_at is written at most this often
# Tokens of someone who signs in only through an identity provider work while it vouched for them this recently.
PROVIDER_WORD = timedelta(days=30)


@dataclass(frozen=True)
class TokenView:
    """What is shown of a token: never the token itself."""
    id: int
    name: str
    username: str
    owner_name: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    status: str  # active, expired or revoked

    def as_json(self) -> dict:
        def iso(at: datetime | None) -> str | None:
            return at.isoformat() if at else None
        return {"id": self.id, "name": self.name, "username": self.username, "created_at": iso(self.created_at),
                "expires_at": iso(self.expires_at), "last_used_at": iso(self.last_used_at),
                "revoked_at": iso(self.revoked_at), "status": self.status}


def token_name(name: str | None) -> str:
    """The name as kept (spaces tidied); raises BadRequest unless it is 1 to MAX_NAME characters."""
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_NAME:
        raise BadRequest(f"Give the token a name of 1 to {MAX_NAME} characters, such as what will use it.",
                         fields={"name": f"Enter a name of 1 to {MAX_NAME} characters."})
    return name


def _days(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise BadRequest(f"A token lasts from 1 to {MAX_DAYS} days.",
                         fields={"days": f"Choose from 1 to {MAX_DAYS} days."})
    return days


def create_token(session: Session, *, username: str, actor: str, clock: Clock, name: str = DEFAULT_NAME,
                 days: int = DEFAULT_DAYS) -> str:
    """Return a new bearer token for the user, working for `days`; only its hash is stored.
    Raises BadRequest (name or days out of range) or NotFound."""
    return issue_token(session, username=username, actor=actor, clock=clock, name=name, days=days)[0]


def issue_token(session: Session, *, username: str, actor: str, clock: Clock, name: str = DEFAULT_NAME,
                days: int = DEFAULT_DAYS, made_with: int | None = None) -> tuple[str, TokenView]:
    """create_token, with what the owner's list will show of the new token. A token made with another token
    (through the API) expires no later than it and is revoked with it, so a stolen token cannot outlive itself."""
    name, days = token_name(name), _days(days)
    user = require_user(session, username)
    if actor == username and requires_second_factor(session, user) and not has_second_factor(user):
        # A token never asks the second factor: first the app the rules ask for (signed in before the rule came).
        raise Forbidden("Set up your authenticator app first: Six Gates asks it of you before you make a token.")
    expires_at = clock.now() + timedelta(days=days)
    maker = session.get(ApiToken, made_with) if made_with is not None else None
    if made_with is not None and (maker is None or _status(maker, clock.now()) != "active"):
        raise NotAuthenticated("The token this request came with is expired or revoked.")  # revoked meanwhile
    if maker is not None and maker.expires_at is not None:
        expires_at = min(expires_at, maker.expires_at)
    row = ApiToken(user_id=user.id, token_hash=token_digest(token := new_token()), created_at=clock.now(),
                   name=name, expires_at=expires_at, made_with_id=maker.id if maker else None)
    session.add(row)
    session.flush()
    record_event(session, instance=None, at=clock.now(), actor=actor, kind="token_created",
                 data={"username": username, "name": name, "expires": expires_at.isoformat()})
    return token, _view(row, user, clock.now())


def _status(row: ApiToken, now: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    return "expired" if row.expires_at is not None and row.expires_at <= now else "active"


def _view(row: ApiToken, owner: User, now: datetime) -> TokenView:
    return TokenView(id=row.id, name=row.name, username=owner.username, owner_name=owner.display_name,
                     created_at=row.created_at, expires_at=row.expires_at, last_used_at=row.last_used_at,
                     revoked_at=row.revoked_at, status=_status(row, now))


def list_tokens(session: Session, owner: str, *, actor: User, clock: Clock) -> list[TokenView]:
    """The owner's tokens, newest first, for the owner or an administrator. Raises NotFound for anyone else."""
    user = require_user(session, owner)
    if not may_manage_tokens_of(actor, user):
        raise NotFound(f"No user called {owner!r}.")
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc()))
    return [_view(row, user, clock.now()) for row in rows]


def list_every_token(session: Session, *, actor: User, clock: Clock) -> list[TokenView]:
    """Everyone's tokens, newest first: administrators only (raises Forbidden for anyone else)."""
    if not may_administer(actor):
        raise Forbidden("Only administrators see everyone's API tokens.")
    stmt = select(ApiToken, User).join(User, ApiToken.user_id == User.id).order_by(ApiToken.id.desc())
    return [_view(row, owner, clock.now()) for row, owner in session.execute(stmt)]


def show_token(session: Session, token_id: int, *, actor: User, clock: Clock, own_only: bool = False) -> TokenView:
    """One token, for its owner or an administrator (only its owner when `own_only`); NotFound for anyone else,
    so nobody learns which ids exist."""
    row, owner = _manageable(session, token_id, actor=actor, own_only=own_only)
    return _view(row, owner, clock.now())


def _manageable(session: Session, token_id: int, *, actor: User, own_only: bool) -> tuple[ApiToken, User]:
    row = session.get(ApiToken, token_id)
    owner = session.get(User, row.user_id) if row is not None else None
    if owner is None or not may_manage_tokens_of(actor, owner) or own_only and owner.id != actor.id:
        raise NotFound("No such API token.")
    return row, owner


def revoke_token(session: Session, token_id: int, *, actor: User, clock: Clock, own_only: bool = False) -> TokenView:
    """Revoke a token at once, recording token_revoked; revoking it again changes nothing. Its owner or an
    administrator may (only its owner when `own_only`); raises NotFound for anyone else."""
    row, owner = _manageable(session, token_id, actor=actor, own_only=own_only)
    revoking = [row]
    while revoking:  # the token, and every token made with it (and with those)
        found = revoking.pop()
        if found.revoked_at is None:
            found.revoked_at = clock.now()
            record_event(session, instance=None, at=clock.now(), actor=actor.username, kind="token_revoked",
                         data={"username": owner.username, "name": found.name, "by": actor.username})
        revoking += session.scalars(select(ApiToken).where(ApiToken.made_with_id == found.id))
    return _view(row, owner, clock.now())


@dataclass(frozen=True)
class Holder:
    user_id: int
    token_id: int
    stale: bool  # last_used_at is old enough to be written again (see touch_token)


def token_holder(session: Session, token: str, *, clock: Clock) -> Holder | None:
    """Who an unexpired, unrevoked token of an active user belongs to, or None. Reads only: the caller writes
    last_used_at through touch_token when `stale`, so most API requests are not writes."""
    maker = aliased(ApiToken)
    stmt = select(ApiToken.id, ApiToken.user_id, ApiToken.expires_at, ApiToken.revoked_at, ApiToken.last_used_at,
                  maker.revoked_at.label("maker_revoked_at"), User.password_hash.is_(None).label("provider_only")) \
        .join(User, ApiToken.user_id == User.id).outerjoin(maker, ApiToken.made_with_id == maker.id) \
        .where(ApiToken.token_hash == token_digest(token), User.active.is_(True))
    found = session.execute(stmt).first()
    now = clock.now()
    # A token made with a token revoked while it was being made ends with it too (revoke_token reaches the rest).
    if found is None or found.revoked_at is not None or found.maker_revoked_at is not None \
            or found.expires_at is not None and found.expires_at <= now:
        return None
    if found.provider_only and not _vouched_for_lately(session, found.user_id, now):
        return None
    stale = found.last_used_at is None or now - found.last_used_at >= TOUCH
    return Holder(user_id=found.user_id, token_id=found.id, stale=stale)


def _vouched_for_lately(session: Session, user_id: int, now: datetime) -> bool:
    """Whether someone who signs in only through an identity provider did so within PROVIDER_WORD: Six Gates never
    hears that a provider disabled someone who left, so their tokens last only as long as the provider's word."""
    linked, last = session.execute(select(func.count(ExternalIdentity.id), func.max(ExternalIdentity.last_sign_in_at))
                                   .where(ExternalIdentity.user_id == user_id)).one()
    return not linked or last is not None and now - last <= PROVIDER_WORD  # not linked: an API-only account


def touch_token(session: Session, token_id: int, *, clock: Clock) -> None:
    """Record that the token was used now (shown to its owner, to spot one no longer needed or used elsewhere)."""
    row = session.get(ApiToken, token_id)
    if row is not None:
        row.last_used_at = clock.now()


def user_id_for_token(session: Session, token: str, *, clock: Clock | None = None) -> int | None:
    """The id of the active user an unexpired, unrevoked bearer token belongs to, or None (by the clock given,
    else the time now)."""
    holder = token_holder(session, token, clock=clock or Clock())
    return holder.user_id if holder else None
