"""The second factor of a local account: a code from an authenticator app (TOTP, RFC 6238) after the password,
recovery codes for a lost phone, and the rules that say who must have one. Each change is an event on the system
chain. Sign-in itself (throttled, recorded) is engine.identity.password_sign_in's."""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp
import segno
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import BadRequest, Conflict, Forbidden, NotFound
from engine.identity.accounts import require_admin
from engine.policy import ROLES, needs_second_factor, role_name
from engine.store.models import Organisation, RecoveryCode, SecondFactorRule, User
from engine.store.trail import record_event

ISSUER = "Six Gates"
DIGITS = 6
STEP_SECONDS = 30
VALID_WINDOW = 1  # a code of the step before or after is accepted too: phones' clocks drift
RECOVERY_CODES = 10
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
SCOPES = ("role", "organisation")
WRONG_CODE = "That code is not right. Enter the 6-digit code your app shows now."


def new_secret() -> str:
    """A fresh shared secret (160 bits, base32), kept by no one until a code made from it is confirmed."""
    return pyotp.random_base32()


def secret_from(seed: bytes) -> str:
    """A shared secret made from 20 bytes the caller derives (so a set-up in progress need not store the key)."""
    if len(seed) < 20:
        raise ValueError("A secret needs 20 bytes.")
    return base64.b32encode(seed[:20]).decode()


def grouped(secret: str) -> str:
    """The secret as typed into an app by hand: groups of 4."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=username,
                                                                                     issuer_name=ISSUER)


def qr_code_svg(secret: str, username: str) -> str:
    """The otpauth:// address as a QR code, an SVG data URI for an <img>."""
    return segno.make(provisioning_uri(secret, username), error="m").svg_data_uri(scale=5, border=2)


def has_second_factor(user: User) -> bool:
    return user.totp_secret is not None


def requires_second_factor(session: Session, user: User) -> bool:
    """Whether a rule asks a second factor of one of the user's roles or of their organisation (policy's answer;
    the rules are few, kept by administrators)."""
    rules = session.execute(select(SecondFactorRule.scope, SecondFactorRule.value)).all()
    return needs_second_factor(user, [(scope, value) for scope, value in rules])


def asks_for_code(session: Session, user: User) -> bool:
    """Whether a right password is not enough on its own: the user has a second factor, or must set one up."""
    return has_second_factor(user) or requires_second_factor(session, user)


def _matching_step(secret: str, code: str, *, at: datetime, after: int | None) -> int | None:
    """The 30-second step this code belongs to (within VALID_WINDOW of `at`), if later than `after`."""
    code = re.sub(r"\s", "", code or "")
    if not re.fullmatch(rf"\d{{{DIGITS}}}", code):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    now = totp.timecode(at)
    for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify_code(session: Session, user: User, code: str, *, at: datetime) -> bool:
    """Whether the code is the user's app's for now; a step's code is accepted once (users.totp_last_step), so a
    code seen over a shoulder cannot be used again. `at` is the real time, the phone's, not the procedure's clock."""
    if not has_second_factor(user):
        return False
    step = _matching_step(user.totp_secret, code, at=at, after=user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    session.flush()
    return True


def confirm_enrolment(session: Session, user: User, *, secret: str, code: str, at: datetime,
                      clock: Clock) -> list[str]:
    """Keep the secret once a code made from it is right; returns the new recovery codes, to be shown once.
    Raises Conflict (a second factor already set up), BadRequest (a wrong code, or a secret not from new_secret)."""
    if has_second_factor(user):
        raise Conflict("You already have an authenticator app set up: remove it first to set up another.")
    if not re.fullmatch(f"[{_BASE32}]{{32}}", secret or ""):
        raise BadRequest("Start setting up your app again.")
    step = _matching_step(secret, code, at=at, after=None)
    if step is None:
        raise BadRequest(WRONG_CODE, fields={"code": WRONG_CODE})
    user.totp_secret, user.totp_last_step = secret, step
    codes = _replace_recovery_codes(session, user)
    record_event(session, instance=None, at=clock.now(), actor=user.username, kind="second_factor_enrolled",
                 data={"username": user.username})
    return codes


def _recovery_code() -> str:
    """4 groups of 4 base32 characters: 80 bits, easy to copy out."""
    return "-".join("".join(secrets.choice(_BASE32) for _ in range(4)) for _ in range(4))


def _hash(code: str) -> str:
    normal = re.sub(r"[\s-]", "", code or "").upper()
    return hashlib.sha256(normal.encode()).hexdigest()


def _replace_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code)) for code in codes)
    session.flush()
    return codes


def new_recovery_codes(session: Session, user: User, *, clock: Clock) -> list[str]:
    """A new set of recovery codes, shown once; the old ones stop working. Raises Conflict without an app."""
    if not has_second_factor(user):
        raise Conflict("Set up an authenticator app first: recovery codes stand in for it.")
    codes = _replace_recovery_codes(session, user)
    record_event(session, instance=None, at=clock.now(), actor=user.username, kind="recovery_codes_replaced",
                 data={"username": user.username})
    return codes


def recovery_codes_left(session: Session, user: User) -> int:
    return len(session.scalars(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id,
                                                             RecoveryCode.used_at.is_(None))).all())


def use_recovery_code(session: Session, user: User, code: str, *, clock: Clock) -> bool:
    """Whether the code is one of the user's unused recovery codes; it is used up, on the record."""
    if not has_second_factor(user) or not re.sub(r"[\s-]", "", code or ""):
        return False
    found = session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                       RecoveryCode.code_hash == _hash(code),
                                                       RecoveryCode.used_at.is_(None))).first()
    if found is None:
        return False
    found.used_at = clock.now()
    session.flush()
    record_event(session, instance=None, at=clock.now(), actor=user.username, kind="recovery_code_used",
                 data={"username": user.username, "left": recovery_codes_left(session, user)})
    return True


def remove_second_factor(session: Session, username: str, *, actor: User, clock: Clock,
                         password_checked: bool = False) -> User:
    """Remove the app and recovery codes: by the person, once their password is checked again
    (password_sign_in.check_password_again, throttled); or by an admin, for someone who lost their phone.
    Raises NotFound, Forbidden (someone else's and not an admin, or one's own unchecked), Conflict (no app)."""
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"No user called {username!r}.")
    if user.id != actor.id:
        require_admin(actor)
    elif not password_checked:
        raise Forbidden("Enter your password to remove your authenticator app.")
    if not has_second_factor(user):
        raise Conflict(f"{user.display_name} has no authenticator app set up.")
    user.totp_secret = user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record_event(session, instance=None, at=clock.now(), actor=actor.username, kind="second_factor_removed",
                 data={"username": user.username})
    return user


def list_rules(session: Session, *, actor: User) -> list[SecondFactorRule]:
    require_admin(actor)
    return list(session.scalars(select(SecondFactorRule).order_by(SecondFactorRule.scope, SecondFactorRule.value)))


def rule_words(rule: SecondFactorRule) -> str:
    """'Everyone who is an Industry partner' / 'Everyone at Medtech Ltd'."""
    return f"Everyone who is {role_name(rule.value)}" if rule.scope == "role" else f"Everyone at {rule.value}"


def add_rule(session: Session, *, scope: str, value: str, actor: User, clock: Clock) -> SecondFactorRule:
    """Require a second factor of everyone holding a role, or everyone in an organisation, from their next
    sign-in. Raises Forbidden (not an admin), BadRequest (unknown scope, role or organisation), Conflict (a rule
    already says so)."""
    require_admin(actor)
    value = (value or "").strip()
    if scope not in SCOPES:
        raise BadRequest("Choose whether the rule is for a role or an organisation.",
                         fields={"scope": "Choose a role or an organisation."})
    if scope == "role" and value not in ROLES:
        raise BadRequest("Choose a role.", fields={"role": "Choose a role."})
    if scope == "organisation" and session.scalars(select(Organisation.id).where(
            Organisation.name == value)).first() is None:
        raise BadRequest("Choose an organisation.", fields={"organisation": "Choose an organisation."})
    if session.scalars(select(SecondFactorRule.id).where(SecondFactorRule.scope == scope,
                                                         SecondFactorRule.value == value)).first():
        raise Conflict("A rule already asks that of them.", fields={scope: "A rule already asks that of them."})
    rule = SecondFactorRule(scope=scope, value=value, created_at=clock.now(), created_by=actor.username)
    session.add(rule)
    session.flush()
    record_event(session, instance=None, at=clock.now(), actor=actor.username, kind="second_factor_rule_changed",
                 data={"change": "added", "scope": scope, "value": value})
    return rule


def remove_rule(session: Session, rule_id: int, *, actor: User, clock: Clock) -> SecondFactorRule:
    """Stop requiring a second factor of them (those who set one up keep it). Raises Forbidden, NotFound."""
    require_admin(actor)
    rule = session.get(SecondFactorRule, rule_id)
    if rule is None:
        raise NotFound("No such rule: it may have been removed already.")
    session.delete(rule)
    record_event(session, instance=None, at=clock.now(), actor=actor.username, kind="second_factor_rule_changed",
                 data={"change": "removed", "scope": rule.scope, "value": rule.value})
    return rule
