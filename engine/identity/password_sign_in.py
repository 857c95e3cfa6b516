"""Signing in with a username and password, throttled from the audit trail itself (no table holds the counters)."""
from __future__ import annotations

import functools
import hashlib
import json
import math
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from engine.clock import Clock
from engine.errors import BadRequest, LoginThrottled
from engine.identity import second_factor
from engine.identity.accounts import get_user
from engine.store.db import Database
from engine.store.models import AuditEvent, User
from engine.store.trail import SYSTEM_CHAIN, canonical_json, record_event

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
_LONG_AGO = datetime(1970, 1, 1, tzinfo=timezone.utc)
FAILURES = ("login_failed", "second_factor_failed")  # what counts towards a lock-out


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
        code_asked = user is not None and second_factor.asks_for_code(session, user)

    def record(session: Session) -> None:
        _one_attempt_at_a_time(session, username=username, address=address)
        check_login_allowed(session, username=username, address=address, clock=clock)
        if user is None:
            record_failure(session, kind="login_failed", username=username, address=address, clock=clock)
        elif code_asked:  # not a success yet: the failures still count until the code is proven
            record_event(session, instance=None, at=clock.now(), actor=user.username, kind="password_accepted",
                         data={"username": username[:80], "address": address[:80]})
        else:
            record_login(session, username=username, address=address, succeeded=True, clock=clock)

    db.writing(record)
    return user


def sign_in_with_code(db: Database, *, user_id: int, code: str, address: str, clock: Clock,
                      at: datetime) -> User | None:
    """The user, once the code from their app (or one of their recovery codes) is right after their password;
    else None, and the wrong code is a failure that counts like a wrong password. `at` is the real time.

    Raises LoginThrottled while the username or address is locked out, as sign_in does; the code is checked
    where the attempt is recorded, one attempt at a time, so a code cannot be used twice by parallel requests.
    """
    def attempt(session: Session) -> User | None:
        user = session.get(User, user_id)
        if user is None or not user.active:
            return None
        _one_attempt_at_a_time(session, username=user.username, address=address)
        session.refresh(user)  # as the attempt before this one left it (its last step used, its recovery codes)
        check_login_allowed(session, username=user.username, address=address, clock=clock)
        typed = (code or "").strip()[:40]
        step = "authenticator_app" if second_factor.verify_code(session, user, typed, at=at) else \
            "recovery_code" if second_factor.use_recovery_code(session, user, typed, clock=clock) else None
        if step:
            record_login(session, username=user.username, address=address, succeeded=True, clock=clock,
                         second_step=step)
            return user
        record_failure(session, kind="second_factor_failed", username=user.username, address=address, clock=clock)
        return None

    return db.writing(attempt)


def check_password_again(db: Database, *, username: str, password: str, address: str, clock: Clock) -> bool:
    """Whether this is the signed-in person's password, asked again before a change that needs it (removing their
    app, new recovery codes). Throttled and recorded as at sign-in, so a stolen session cannot guess it freely:
    a wrong one is a failure (login_failed); raises LoginThrottled while locked out."""
    with db.reading() as session:
        check_login_allowed(session, username=username, address=address, clock=clock)
        right = authenticate(session, username, password or "") is not None

    def record(session: Session) -> None:
        _one_attempt_at_a_time(session, username=username, address=address)
        check_login_allowed(session, username=username, address=address, clock=clock)
        if not right:
            record_failure(session, kind="login_failed", username=username, address=address, clock=clock)

    db.writing(record)
    return right


def sign_in_with_new_factor(db: Database, *, user_id: int, secret: str, code: str, address: str, clock: Clock,
                            at: datetime) -> tuple[User, list[str]]:
    """Set up the app of someone who must have one, at sign-in after their password, and sign them in: the user
    and their recovery codes. Raises BadRequest for a wrong code (nothing is kept), Conflict if one is set up
    already, LoginThrottled while locked out."""
    def enrol(session: Session) -> tuple[User, list[str]]:
        user = session.get(User, user_id)
        if user is None or not user.active:
            raise BadRequest("Sign in again.")
        _one_attempt_at_a_time(session, username=user.username, address=address)
        session.refresh(user)  # as the attempt before this one left it (its last step used, its recovery codes)
        check_login_allowed(session, username=user.username, address=address, clock=clock)
        codes = second_factor.confirm_enrolment(session, user, secret=secret, code=code, at=at, clock=clock)
        record_login(session, username=user.username, address=address, succeeded=True, clock=clock,
                     second_step="new_authenticator_app")
        return user, codes

    return db.writing(enrol)


def record_login(session: Session, *, username: str, address: str, succeeded: bool, clock: Clock,
                 second_step: str | None = None) -> None:
    """A password sign-in, and how it was finished after the password (SECOND_STEPS; None: the password alone)."""
    username, address = username[:80], address[:80]  # typed by anyone: bound what the audit trail keeps
    record_event(session, instance=None, at=clock.now(), actor=username if succeeded else "anonymous",
                 kind="login_succeeded" if succeeded else "login_failed",
                 data={"username": username, "address": address,
                       **({"second_step": second_step} if second_step else {})})


# How a password sign-in was finished, as login_succeeded records it.
SECOND_STEPS = ("authenticator_app", "recovery_code", "new_authenticator_app")


def record_failure(session: Session, *, kind: str, username: str, address: str, clock: Clock) -> None:
    """A wrong password or code; the failure that reaches a limit puts the lock-out on the record, once."""
    username, address = username[:80], address[:80]
    record_event(session, instance=None, at=clock.now(), actor="anonymous", kind=kind,
                 data={"username": username, "address": address})
    until = locked_until(session, username=username, address=address, clock=clock)
    if until > clock.now():
        record_event(session, instance=None, at=clock.now(), actor="anonymous", kind="login_locked_out",
                     data={"username": username, "address": address, "until": until.isoformat()})


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
    two do not apply where the username signed in within KNOWN_ADDRESS_DAYS. A wrong second-factor code
    is a failure like a wrong password."""
    until, now = locked_until(session, username=username, address=address, clock=clock), clock.now()
    if until > now:
        raise LoginThrottled(max(1, math.ceil((until - now) / timedelta(minutes=1))))


def locked_until(session: Session, *, username: str, address: str, clock: Clock) -> datetime:
    """When the lock-out of this username at this address ends (see check_login_allowed); long ago if none."""
    username, address = username[:80], address[:80]
    now = clock.now()
    by_pair: list[datetime] = []
    by_user: list[datetime] = []
    by_address: list[datetime] = []
    for kind, at, data in _recent_logins(session, username=username, address=address, since=now - WINDOW - LOCKOUT):
        if kind == "login_succeeded" and data.get("username") == username:
            by_user.clear()
            by_pair.clear()
        elif kind in FAILURES:
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
    return until


def _recent_logins(session: Session, *, username: str, address: str, since: datetime):
    """Sign-in events naming this username or address, oldest first.

    Scans the system chain's recent events: fine at this scale; an index on audit_events
    (chain, kind, at) is the migration to add if sign-ins ever number in the millions.
    """
    def mentions(key: str, value: str):
        return AuditEvent.data_json.contains(canonical_json({key: value})[1:-1], autoescape=True)

    stmt = (select(AuditEvent.kind, AuditEvent.at, AuditEvent.data_json)
            .where(AuditEvent.chain == SYSTEM_CHAIN, AuditEvent.kind.in_((*FAILURES, "login_succeeded")),
                   AuditEvent.at >= since, or_(mentions("username", username), mentions("address", address)))
            .order_by(AuditEvent.seq))
    for kind, at, data_json in session.execute(stmt):
        yield kind, at, json.loads(data_json)


def _signed_in_from(session: Session, *, username: str, address: str, since: datetime) -> bool:
    """Whether this username signed in successfully from this address since then."""
    stmt = select(AuditEvent.data_json).where(
        AuditEvent.chain == SYSTEM_CHAIN, AuditEvent.kind == "login_succeeded", AuditEvent.at >= since,
        *(AuditEvent.data_json.contains(canonical_json({key: value})[1:-1], autoescape=True)
          for key, value in (("username", username), ("address", address))))
    # LIKE ignores case on SQLite: compare exactly here.
    return any((data := json.loads(data_json)).get("username") == username and data.get("address") == address
               for data_json in session.scalars(stmt))


def _locked_until(failures: list[datetime], limit: int) -> datetime:
    """When the lock-out these failures (oldest first) cause ends; long ago if they cause none."""
    until = _LONG_AGO
    for first, last in zip(failures, failures[limit - 1:], strict=False):
        if last - first <= WINDOW:
            until = max(until, last + LOCKOUT)
    return until
