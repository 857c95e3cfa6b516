"""Users, organisations, roles, passwords and API tokens."""
from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import secrets
import unicodedata
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, or_, select, text
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from engine.clock import Clock
from engine.errors import BadRequest, Conflict, Forbidden, LoginThrottled, NotFound
from engine.policy import ROLES, may_administer
from engine.store.db import Database
from engine.store.models import ApiToken, AuditEvent, Organisation, SignInSession, User, UserRole
from engine.store.trail import SYSTEM_CHAIN, canonical_json, record_event

USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,79}")
MIN_PASSWORD_LENGTH = 10
# Sign-in throttling: this many failures within WINDOW lock for LOCKOUT. Counted per username from one
# address (one person mistyping), per username from anywhere (guessing from many addresses), and per
# address for every username (spraying), the last much higher: an NHS trust signs in from one address.
# The last two never lock a username out of an address it signed in from within KNOWN_ADDRESS_DAYS, so
# neither a guesser elsewhere nor a sprayer behind the same NAT locks out the people who work there.
MAX_FAILURES = 5
MAX_USERNAME_FAILURES = 20
MAX_ADDRESS_FAILURES = 100
WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
KNOWN_ADDRESS_DAYS = 30
# Signed-in browser sessions end after this long unused, and after SESSION_MAX_AGE whatever happens.
SESSION_IDLE = timedelta(hours=8)
SESSION_MAX_AGE = timedelta(hours=24)
SESSION_TOUCH = timedelta(minutes=5)  # last_seen_at is written at most this often
_LONG_AGO = datetime(1970, 1, 1, tzinfo=timezone.utc)


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
    """Create a user; raises BadRequest for a malformed name or unknown roles, Conflict if the name is taken."""
    if not USERNAME.fullmatch(username or ""):
        raise BadRequest("A username is 1 to 80 letters, digits or . _ @ - and starts with a letter or digit.",
                         fields={"username": "Use 1 to 80 letters, digits or . _ @ -"})
    roles = _known_roles(roles)
    organisation = _organisation_name(organisation)
    _check_partner_organisation(roles, organisation)
    if get_user(session, username) is not None:
        raise Conflict(f"A user called {username!r} already exists.", fields={"username": "This username is taken."})
    org = ensure_organisation(session, organisation) if organisation else None
    user = User(username=username, display_name=(display_name or "").strip()[:200] or username, active=True,
                password_hash=generate_password_hash(password) if password else None,
                organisation=org, created_at=clock.now(),
                role_rows=[UserRole(role=r) for r in roles])
    session.add(user)
    session.flush()
    record_event(session, instance=None, at=clock.now(), actor=actor, kind="user_added",
                 data={"username": username, "roles": roles, "organisation": organisation})
    return user


def _known_roles(roles: list[str]) -> list[str]:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        raise BadRequest(f"Unknown role(s): {', '.join(unknown) or 'none given'}. Roles: {', '.join(ROLES)}.",
                         fields={"roles": "Choose at least one of the listed roles."})
    return sorted(set(roles))


# Not in an organisation name: policy's organisation tokens are separated by "|", and control or invisible
# format characters would make two names look alike (or not fit a PostgreSQL text field at all).
_REFUSED_IN_NAMES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def _organisation_name(name: str | None) -> str | None:
    name = " ".join((name or "").split())
    if len(name) > 200:
        raise BadRequest("An organisation name is at most 200 characters.",
                         fields={"organisation": "Use at most 200 characters."})
    if "|" in name or any(unicodedata.category(c) in _REFUSED_IN_NAMES for c in name):
        raise BadRequest("An organisation name cannot contain “|” or control or invisible characters.",
                         fields={"organisation": "Remove “|” and any control or invisible characters."})
    return name or None


def _check_partner_organisation(roles: list[str], organisation: str | None) -> None:
    if "industry_partner" in roles and not organisation:
        raise BadRequest("An industry partner user must belong to an organisation.",
                         fields={"organisation": "Enter the organisation of this industry partner."})


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this password, or None; equally slow whether or not the user exists."""
    user = get_user(session, username)
    if user is None or not user.active or not user.password_hash:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))


# Sign-in: throttled from the audit trail itself, so no table (and no migration) holds the counters.

def sign_in(db: Database, *, username: str, password: str, address: str, clock: Clock) -> User | None:
    """The user these credentials belong to, or None; either way the attempt is recorded.

    Raises LoginThrottled, without checking the password, while the username or address is locked out.
    The (deliberately slow) password check runs outside any write transaction; the limits are checked
    again where the attempt is recorded, one attempt per username and address at a time, so parallel
    attempts cannot pass a limit together and none holds a lock while hashing. An attempt that a
    parallel one pushed over a limit is refused (LoginThrottled) and not recorded.
    """
    with db.reading() as session:
        check_login_allowed(session, username=username, address=address, clock=clock)
        user = authenticate(session, username, password)

    def record(session: Session) -> None:
        _one_attempt_at_a_time(session, username=username, address=address)
        check_login_allowed(session, username=username, address=address, clock=clock)
        record_login(session, username=username, address=address, succeeded=user is not None, clock=clock)

    db.writing(record)
    return user


def record_login(session: Session, *, username: str, address: str, succeeded: bool, clock: Clock) -> None:
    username, address = username[:80], address[:80]  # typed by anyone: bound what the audit trail keeps
    record_event(session, instance=None, at=clock.now(), actor=username if succeeded else "anonymous",
                 kind="login_succeeded" if succeeded else "login_failed",
                 data={"username": username, "address": address})


def _one_attempt_at_a_time(session: Session, *, username: str, address: str) -> None:
    """Attempts on one username, or from one address, wait for each other until the first is recorded,
    so parallel wrong passwords cannot all pass check_login_allowed before any failure is counted.

    SQLite needs nothing more: its writing transactions already hold the database lock (BEGIN IMMEDIATE).
    On PostgreSQL, transaction-scoped advisory locks, taken in one order so two attempts never deadlock.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted({_lock_key("username", username[:80]), _lock_key("address", address[:80])}):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _lock_key(kind: str, value: str) -> int:
    digest = hashlib.sha256(f"sixgates sign-in {kind} {value}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def check_login_allowed(session: Session, *, username: str, address: str, clock: Clock) -> None:
    """Raises LoginThrottled while failures within WINDOW reach a limit, until LOCKOUT after the last of
    them: MAX_FAILURES for this username from this address, MAX_USERNAME_FAILURES for it from anywhere
    (both counted since its last successful sign-in), MAX_ADDRESS_FAILURES from this address. The last
    two do not apply where the username signed in within KNOWN_ADDRESS_DAYS."""
    username, address = username[:80], address[:80]
    now = clock.now()
    by_pair: list[datetime] = []
    by_user: list[datetime] = []
    by_address: list[datetime] = []
    for kind, at, data in _recent_logins(session, username=username, address=address, since=now - WINDOW - LOCKOUT):
        if kind == "login_succeeded" and data.get("username") == username:
            by_user.clear()
            by_pair.clear()
        elif kind == "login_failed":
            if data.get("username") == username:
                by_user.append(at)
                if data.get("address") == address:
                    by_pair.append(at)
            if data.get("address") == address:
                by_address.append(at)
    until = _locked_until(by_pair, MAX_FAILURES)
    if until <= now and not _signed_in_from(session, username=username, address=address,
                                            since=now - timedelta(days=KNOWN_ADDRESS_DAYS)):
        until = max(until, _locked_until(by_user, MAX_USERNAME_FAILURES),
                    _locked_until(by_address, MAX_ADDRESS_FAILURES))
    if until > now:
        raise LoginThrottled(max(1, math.ceil((until - now) / timedelta(minutes=1))))


def _recent_logins(session: Session, *, username: str, address: str, since: datetime):
    """Sign-in events naming this username or address, oldest first.

    Scans the system chain's recent events: fine at this scale; an index on audit_events
    (chain, kind, at) is the migration to add if sign-ins ever number in the millions.
    """
    def mentions(key: str, value: str):
        return AuditEvent.data_json.contains(canonical_json({key: value})[1:-1], autoescape=True)

    stmt = (select(AuditEvent.kind, AuditEvent.at, AuditEvent.data_json)
            .where(AuditEvent.chain == SYSTEM_CHAIN, AuditEvent.kind.in_(("login_failed", "login_succeeded")),
                   AuditEvent.at >= since, or_(mentions("username", username), mentions("address", address)))
            .order_by(AuditEvent.seq))
    for kind, at, data_json in session.execute(stmt):
        yield kind, at, json.loads(data_json)


def _signed_in_from(session: Session, *, username: str, address: str, since: datetime) -> bool:
    """Whether this username signed in successfully from this address since then."""
    both = canonical_json({"username": username, "address": address})  # as record_login writes it
    stmt = select(AuditEvent.data_json).where(
        AuditEvent.chain == SYSTEM_CHAIN, AuditEvent.kind == "login_succeeded", AuditEvent.at >= since,
        AuditEvent.data_json.contains(both[1:-1], autoescape=True))
    # LIKE ignores case on SQLite: compare exactly here.
    return any(data_json == both for data_json in session.scalars(stmt))


def _locked_until(failures: list[datetime], limit: int) -> datetime:
    """When the lock-out these failures (oldest first) cause ends; long ago if they cause none."""
    until = _LONG_AGO
    for first, last in zip(failures, failures[limit - 1:], strict=False):
        if last - first <= WINDOW:
            until = max(until, last + LOCKOUT)
    return until


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


# Signed-in browser sessions: the browser holds a random token, the database its hash, so signing out
# (or disabling the user) ends the session wherever a copy of the cookie is.

def open_session(session: Session, *, user: User, clock: Clock) -> str:
    """A new session token for this user's browser; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    # Sessions past their age sign in no more: forget them (sign-ins stay on the audit trail).
    session.execute(delete(SignInSession).where(SignInSession.created_at < now - SESSION_MAX_AGE))
    session.add(SignInSession(token_hash=_token_digest(token), user_id=user.id, created_at=now, last_seen_at=now))
    return token


def session_user(session: Session, token: str, *, clock: Clock) -> tuple[User | None, bool]:
    """The active user whose unrevoked, unexpired session this token opens (or None), and whether its
    last_seen_at is old enough to be written again (see touch_session)."""
    row = session.scalars(select(SignInSession).where(SignInSession.token_hash == _token_digest(token))).first()
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
    row = session.scalars(select(SignInSession).where(SignInSession.token_hash == _token_digest(token))).first()
    if row is not None and row.revoked_at is None:
        row.last_seen_at = clock.now()


def close_session(session: Session, token: str, *, clock: Clock) -> None:
    """Revoke the session: the token, and every copy of the cookie holding it, signs in no more."""
    row = session.scalars(select(SignInSession).where(SignInSession.token_hash == _token_digest(token))).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.now()


def _close_user_sessions(session: Session, user: User, *, clock: Clock) -> None:
    for row in session.scalars(select(SignInSession).where(SignInSession.user_id == user.id,
                                                           SignInSession.revoked_at.is_(None))):
        row.revoked_at = clock.now()


# Administration: what the admin page does. Each change is one audit event on the system chain.

def require_admin(user: User | None) -> User:
    """Raises Forbidden unless the user is an active admin."""
    if not may_administer(user):
        raise Forbidden("Only administrators may manage users.")
    return user


def list_users(session: Session, *, actor: User) -> list[User]:
    require_admin(actor)
    return list(session.scalars(select(User).order_by(User.username)))


def show_user(session: Session, username: str, *, actor: User) -> User:
    user = require_user(session, username)
    require_admin(actor)
    return user


def list_organisations(session: Session, *, actor: User) -> list[str]:
    require_admin(actor)
    return list(session.scalars(select(Organisation.name).order_by(Organisation.name)))


def create_user(session: Session, *, username: str, display_name: str, password: str, roles: list[str],
                organisation: str | None, actor: User, clock: Clock) -> User:
    """add_user for an administrator: raises Forbidden, BadRequest (weak password, unknown role,
    partner without organisation) or Conflict (name taken)."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise BadRequest(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.",
                         fields={"password": f"Use at least {MIN_PASSWORD_LENGTH} characters."})
    require_admin(actor)
    return add_user(session, username=username, display_name=display_name, password=password, roles=roles,
                    organisation=organisation, actor=actor.username, clock=clock)


def update_user(session: Session, username: str, *, roles: list[str], organisation: str | None,
                actor: User, clock: Clock) -> User:
    """Set roles and organisation together (so a user can become a partner and join a company in one
    step); raises what set_roles and set_organisation raise."""
    roles, organisation = _known_roles(roles), _organisation_name(organisation)
    user = require_user(session, username)
    require_admin(actor)
    _check_partner_organisation(roles, organisation)
    _check_keeps_admin(user, roles, actor)
    _apply_organisation(session, user, organisation, actor=actor, clock=clock)
    _apply_roles(session, user, roles, actor=actor, clock=clock)
    return user


def set_roles(session: Session, username: str, *, roles: list[str], actor: User, clock: Clock) -> User:
    """Replace the user's roles. Raises BadRequest (unknown role, partner without organisation),
    NotFound, Forbidden, or Conflict (an admin removing their own admin role)."""
    roles = _known_roles(roles)
    user = require_user(session, username)
    require_admin(actor)
    _check_partner_organisation(roles, user.organisation_name)
    _check_keeps_admin(user, roles, actor)
    _apply_roles(session, user, roles, actor=actor, clock=clock)
    return user


def set_organisation(session: Session, username: str, *, organisation: str | None, actor: User,
                     clock: Clock) -> User:
    """Move the user to an organisation (created if new) or to none. Raises BadRequest (an industry
    partner needs one), NotFound or Forbidden."""
    organisation = _organisation_name(organisation)
    user = require_user(session, username)
    require_admin(actor)
    _check_partner_organisation(sorted(user.roles), organisation)
    _apply_organisation(session, user, organisation, actor=actor, clock=clock)
    return user


def set_active(session: Session, username: str, *, active: bool, actor: User, clock: Clock) -> User:
    """Disable or re-enable a user: a disabled user cannot sign in and their API tokens stop working.
    Raises NotFound, Forbidden, or Conflict (an admin disabling themselves)."""
    user = require_user(session, username)
    require_admin(actor)
    if not active and user.id == actor.id:
        raise Conflict("You cannot disable your own account; ask another administrator.")
    if user.active != active:
        user.active = active
        if not active:
            _close_user_sessions(session, user, clock=clock)
        record_event(session, instance=None, at=clock.now(), actor=actor.username,
                     kind="user_enabled" if active else "user_disabled", data={"username": username})
    return user


def _check_keeps_admin(user: User, roles: list[str], actor: User) -> None:
    # Also guarantees there is always an administrator left: the one making the change.
    if user.id == actor.id and "admin" not in roles:
        raise Conflict("You cannot remove your own admin role; ask another administrator.",
                       fields={"roles": "Keep the admin role on your own account."})


def _apply_roles(session: Session, user: User, roles: list[str], *, actor: User, clock: Clock) -> None:
    before = sorted(user.roles)
    if before == roles:
        return
    user.role_rows = [row for row in user.role_rows if row.role in roles] + [
        UserRole(role=r) for r in roles if r not in before]
    session.flush()
    record_event(session, instance=None, at=clock.now(), actor=actor.username, kind="user_roles_changed",
                 data={"username": user.username, "before": before, "after": roles})


def _apply_organisation(session: Session, user: User, organisation: str | None, *, actor: User,
                        clock: Clock) -> None:
    before = user.organisation_name
    if before == organisation:
        return
    user.organisation = ensure_organisation(session, organisation) if organisation else None
    record_event(session, instance=None, at=clock.now(), actor=actor.username, kind="user_organisation_changed",
                 data={"username": user.username, "before": before, "after": organisation})
