"""Users, organisations and roles: looking people up, and the administration of accounts. Each change is one
audit event on the system chain."""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from engine.clock import Clock
from engine.errors import BadRequest, Conflict, Forbidden, NotFound
from engine.identity.passwords import check_password
from engine.identity.sessions import close_user_sessions, end_api_tokens
from engine.policy import ROLES, may_administer
from engine.store.models import Organisation, User, UserRole
from engine.store.trail import record_event

USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,79}")
# An address every mail server accepts: ASCII only (many relays refuse international addresses, and one refused
# address must not hold up everyone else's mail), one @, a dot in the domain.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_{}~-]+"
EMAIL = re.compile(rf"(?=[^@]{{1,64}}@){_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+")


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
             display_name: str | None = None, email: str | None = None) -> User:
    """Create a user; raises BadRequest for a malformed name or unknown roles, Conflict if the name is taken."""
    if not USERNAME.fullmatch(username or ""):
        raise BadRequest("A username is 1 to 80 letters, digits or . _ @ - and starts with a letter or digit.",
                         fields={"username": "Use 1 to 80 letters, digits or . _ @ -"})
    roles = _known_roles(roles)
    organisation = _organisation_name(organisation)
    email = email_address(email)
    _check_partner_organisation(roles, organisation)
    if get_user(session, username) is not None:
        raise Conflict(f"A user called {username!r} already exists.", fields={"username": "This username is taken."})
    org = ensure_organisation(session, organisation) if organisation else None
    user = User(username=username, display_name=(display_name or "").strip()[:200] or username, active=True,
                password_hash=generate_password_hash(password) if password else None,
                organisation=org, created_at=clock.now(), email=email,
                role_rows=[UserRole(role=r) for r in roles])
    session.add(user)
    session.flush()
    record_event(session, instance=None, at=clock.now(), actor=actor, kind="user_added",
                 data={"username": username, "roles": roles, "organisation": organisation})
    return user


def email_address(text: str | None) -> str | None:
    """The address as stored (None when blank); raises BadRequest when it cannot be one."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > 320 or not EMAIL.fullmatch(text):
        raise BadRequest("That does not look like an e-mail address, such as name@nhs.net.",
                         fields={"email": "Enter an e-mail address, such as name@nhs.net."})
    return text


def set_email(session: Session, username: str, *, email: str | None, actor: User, clock: Clock) -> User:
    """Set where a user's notifications are e-mailed (blank: in the app only): the user themself or an admin.
    The trail records that it changed, not the address. Raises BadRequest, NotFound or Forbidden."""
    user = require_user(session, username)
    if user.id != actor.id:
        require_admin(actor)
    if (email or "").strip() == (user.email or ""):
        return user  # unchanged: an address kept from before a rule tightened is not refused again
    email = email_address(email)
    if user.email != email:
        user.email = email
        record_event(session, instance=None, at=clock.now(), actor=actor.username, kind="user_email_changed",
                     data={"username": username})
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
                organisation: str | None, actor: User, clock: Clock, email: str | None = None) -> User:
    """add_user for an administrator: raises Forbidden, BadRequest (a password the policy refuses, unknown role,
    partner without organisation) or Conflict (name taken)."""
    check_password(password, username=username or "", display_name=display_name or "", organisation=organisation)
    require_admin(actor)
    return add_user(session, username=username, display_name=display_name, password=password, roles=roles,
                    organisation=organisation, actor=actor.username, clock=clock, email=email)


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
    apply_roles(session, user, roles, actor=actor.username, clock=clock)
    return user


def set_roles(session: Session, username: str, *, roles: list[str], actor: User, clock: Clock) -> User:
    """Replace the user's roles. Raises BadRequest (unknown role, partner without organisation),
    NotFound, Forbidden, or Conflict (an admin removing their own admin role)."""
    roles = _known_roles(roles)
    user = require_user(session, username)
    require_admin(actor)
    _check_partner_organisation(roles, user.organisation_name)
    _check_keeps_admin(user, roles, actor)
    apply_roles(session, user, roles, actor=actor.username, clock=clock)
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
            close_user_sessions(session, user, clock=clock)
            end_api_tokens(session, user, actor=actor.username, clock=clock)
        record_event(session, instance=None, at=clock.now(), actor=actor.username,
                     kind="user_enabled" if active else "user_disabled", data={"username": username})
    return user


def _check_keeps_admin(user: User, roles: list[str], actor: User) -> None:
    # Also guarantees there is always an administrator left: the one making the change.
    if user.id == actor.id and "admin" not in roles:
        raise Conflict("You cannot remove your own admin role; ask another administrator.",
                       fields={"roles": "Keep the admin role on your own account."})


def apply_roles(session: Session, user: User, roles: list[str], *, actor: str, clock: Clock, **why: str) -> None:
    """Store the user's roles (checked already), recording before and after, and `why` (such as the provider)."""
    before = sorted(user.roles)
    if before == roles:
        return
    user.role_rows = [row for row in user.role_rows if row.role in roles] + [
        UserRole(role=r) for r in roles if r not in before]
    session.flush()
    record_event(session, instance=None, at=clock.now(), actor=actor, kind="user_roles_changed",
                 data={"username": user.username, "before": before, "after": roles, **why})


def _apply_organisation(session: Session, user: User, organisation: str | None, *, actor: User,
                        clock: Clock) -> None:
    before = user.organisation_name
    if before == organisation:
        return
    user.organisation = ensure_organisation(session, organisation) if organisation else None
    record_event(session, instance=None, at=clock.now(), actor=actor.username, kind="user_organisation_changed",
                 data={"username": user.username, "before": before, "after": organisation})
