"""Single sign-on: the account an identity provider's verified claims sign in to, and the roles its groups grant.

Accounts are found by the provider's stable subject id, never by e-mail or name (either can be reused or typed by
anyone at some providers). Roles come from the administrators' mapping of groups (or app roles) to Six Gates
roles and are set again at every sign-in, so a person who leaves a group loses its role the next time they sign
in. Verifying the ID token (signature, issuer, audience, expiry, nonce) is the web layer's OpenID Connect
client's work; this module trusts only claims that passed it.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.clock import Clock
from engine.errors import BadRequest, Conflict, NotFound
from engine.identity.accounts import add_user, apply_roles, email_address, get_user, require_admin
from engine.policy import ROLES, may_administer
from engine.store.actor_names import SERVICE_ACTOR_NAMES
from engine.store.models import ExternalIdentity, RoleMapping, User, UserRole
from engine.store.trail import record_event

PROVIDER_NAME = re.compile(r"[a-z][a-z0-9-]{0,39}")
ACTOR = "single sign-on"  # who the trail says changed an account when a sign-in did it
# Names on the record that are not people: a provider's person never gets one as their username.
NOT_PEOPLE = frozenset({*SERVICE_ACTOR_NAMES, "anonymous", ACTOR, "test", "system", "admin"})
MOST_GROUPS = 1000  # groups read from one sign-in (a database query takes them as parameters)
NO_ROLE = "no_role"
DISABLED = "disabled"
NOT_VERIFIED = "not_verified"


@dataclass(frozen=True)
class Provider:
    """One OpenID Connect provider, from the settings: each is a button on the sign-in page."""
    name: str  # in addresses and on the record: lower-case letters, digits and hyphens
    label: str  # on the button: "Sign in with your NHS account"
    issuer: str  # its discovery document is at issuer + /.well-known/openid-configuration
    client_id: str
    client_secret: str | None = None  # None: a public client (PKCE alone)
    scopes: str = "openid profile email"
    groups_claim: str = "groups"  # Entra ID: "groups" (object ids) or "roles" (app roles)
    name_claim: str = "name"
    email_claim: str = "email"
    username_claim: str = "preferred_username"
    organisation: str | None = None  # every account it creates belongs here (a trust, say); None: none


@dataclass(frozen=True)
class Refusal:
    """The provider vouched for the person but Six Gates will not sign them in (recorded on the system chain)."""
    reason: str  # NO_ROLE or DISABLED
    message: str


def sign_in_with(session: Session, provider: Provider, claims: dict, *, address: str,
                 clock: Clock) -> User | Refusal:
    """The user these verified claims sign in as: linked by subject id, created on first sign-in, their roles set
    from the mapping; or why not (no role granted, or disabled here), which is recorded. Returned rather than
    raised, so the caller's transaction keeps the record of it."""
    subject = str(claims.get("sub") or "")
    if not subject or len(subject) > 255:
        raise BadRequest("The identity provider sent no usable subject id.")
    groups = group_values(claims, provider.groups_claim)
    roles = roles_for(session, provider.name, groups)
    identity = session.scalars(select(ExternalIdentity).where(
        ExternalIdentity.provider == provider.name, ExternalIdentity.subject == subject)).first()
    user = session.get(User, identity.user_id) if identity else None
    if identity is not None:  # kept, so a mapping removed takes its role away at once
        identity.groups_json = json.dumps(groups)
    if user is not None and not user.active:
        return _refuse(session, provider, subject, claims, groups, clock, Refusal(
            DISABLED, "Your Six Gates account is disabled. Ask your Hub administrator if you need it again."))
    if not roles:
        if user is not None:  # left every group that grants a role: the roles go too (and with them what tokens do)
            apply_roles(session, user, _keeping_an_administrator(session, user, []), actor=ACTOR, clock=clock,
                        provider=provider.name)
        return _refuse(session, provider, subject, claims, groups, clock, Refusal(
            NO_ROLE, "You signed in, but none of your groups gives you a role in Six Gates yet."))
    if user is None:
        user = add_user(session, username=_free_username(session, provider, claims, subject), roles=roles,
                        actor=ACTOR, clock=clock, organisation=provider.organisation,
                        display_name=_claim(claims, provider.name_claim) or None,
                        email=_email(claims, provider.email_claim))
        identity = link_identity(session, user, provider=provider.name, subject=subject, actor=ACTOR, clock=clock)
        identity.groups_json = json.dumps(groups)
    else:
        _refresh(session, user, provider, claims, roles, clock)
    identity.last_sign_in_at = clock.now()
    record_event(session, instance=None, at=clock.now(), actor=user.username, kind="login_succeeded",
                 data={"username": user.username, "address": address[:80], "provider": provider.name})
    return user


def group_values(claims: dict, claim: str) -> list[str]:
    """The claim's values as strings: a list, or one value (some providers send a lone group as a string)."""
    value = claims.get(claim)
    values = value if isinstance(value, list) else [] if value is None else [value]
    # Entra ID sends at most 200 in a token; a provider sending tens of thousands gets the first MOST_GROUPS read.
    return sorted({str(v)[:255] for v in values[:MOST_GROUPS] if isinstance(v, (str, int))})


def roles_for(session: Session, provider: str, groups: list[str]) -> list[str]:
    if not groups:
        return []
    return sorted(set(session.scalars(select(RoleMapping.role).where(
        RoleMapping.provider == provider, RoleMapping.group_value.in_(groups)))) & set(ROLES))


def _refuse(session: Session, provider: Provider, subject: str, claims: dict, groups: list[str], clock: Clock,
            refusal: Refusal) -> Refusal:
    record_event(session, instance=None, at=clock.now(), actor="anonymous", kind="single_sign_on_refused",
                 data={"provider": provider.name, "subject": subject[:255], "reason": refusal.reason,
                       "name": _claim(claims, provider.name_claim)[:200], "groups": groups[:50]})
    return refusal


def link_to_signed_in(session: Session, user: User, provider: Provider, claims: dict, *, clock: Clock) -> None:
    """Link the provider's account in these verified claims to the person already signed in here (with their
    password): both proved, so their history stays under one name. From their next sign-in that way, their roles
    come from their groups. Raises BadRequest (no subject), Conflict (linked already, to them or to someone)."""
    subject = str(claims.get("sub") or "")
    if not subject or len(subject) > 255:
        raise BadRequest("The identity provider sent no usable subject id.")
    if any(identity.provider == provider.name for identity in identities_of(session, user)):
        raise Conflict("Your Six Gates account is already linked to an account there.")
    identity = link_identity(session, user, provider=provider.name, subject=subject, actor=user.username,
                             clock=clock)
    identity.groups_json = json.dumps(group_values(claims, provider.groups_claim))


def unlink_identity(session: Session, username: str, *, provider: str, actor: User, clock: Clock) -> None:
    """Undo a link: the provider's account signs in to this user no more (its next sign-in there makes a new
    account, or none). The person themself (who must keep a password to sign in with) or an administrator.
    Raises NotFound (no such link, or not theirs to undo), Conflict (the person's only way to sign in)."""
    user = get_user(session, username)
    if user is None or (user.id != actor.id and not may_administer(actor)):
        raise NotFound("No such link.")
    identity = next((i for i in identities_of(session, user) if i.provider == provider), None)
    if identity is None:
        raise NotFound("No such link.")
    if user.id == actor.id and not user.password_hash:
        raise Conflict("You sign in only through this account: ask your Hub administrator instead.")
    session.delete(identity)
    record_event(session, instance=None, at=clock.now(), actor=actor.username, kind="identity_unlinked",
                 data={"username": user.username, "provider": provider})


def record_unverified_answer(session: Session, provider: Provider, *, problem: str, address: str,
                             clock: Clock) -> None:
    """An answer from the provider's side (for a sign-in this browser started) whose ID token failed verification:
    a failure on the record for auditors, with what failed and nothing the unverified token claims."""
    record_event(session, instance=None, at=clock.now(), actor="anonymous", kind="single_sign_on_refused",
                 data={"provider": provider.name, "reason": NOT_VERIFIED, "problem": problem[:100],
                       "address": address[:80]})


def link_identity(session: Session, user: User, *, provider: str, subject: str, actor: str,
                  clock: Clock) -> ExternalIdentity:
    """Link the provider's account to this user (one Six Gates user per provider account). Raises Conflict."""
    taken = session.scalars(select(ExternalIdentity).where(
        ExternalIdentity.provider == provider, ExternalIdentity.subject == subject)).first()
    if taken is not None:
        raise Conflict("That account at the identity provider is already linked to a Six Gates user.")
    identity = ExternalIdentity(user_id=user.id, provider=provider, subject=subject, linked_at=clock.now())
    session.add(identity)
    session.flush()
    record_event(session, instance=None, at=clock.now(), actor=actor, kind="identity_linked",
                 data={"username": user.username, "provider": provider})
    return identity


def _refresh(session: Session, user: User, provider: Provider, claims: dict, roles: list[str], clock: Clock) -> None:
    """Roles, name and address as the provider says today; role changes are on the record."""
    apply_roles(session, user, _keeping_an_administrator(session, user, roles), actor=ACTOR, clock=clock,
                provider=provider.name)
    name = _claim(claims, provider.name_claim)[:200]
    if name and name != user.display_name:  # names are shown on every page and past record: a change is recorded
        record_event(session, instance=None, at=clock.now(), actor=ACTOR, kind="user_name_changed",
                     data={"username": user.username, "before": user.display_name, "after": name})
        user.display_name = name
    email = _email(claims, provider.email_claim)
    if email and email != user.email:
        user.email = email
        record_event(session, instance=None, at=clock.now(), actor=ACTOR, kind="user_email_changed",
                     data={"username": user.username})


def _keeping_an_administrator(session: Session, user: User, roles: list[str]) -> list[str]:
    """The roles, with admin kept when taking it from this person would leave Six Gates with no active
    administrator (as an administrator cannot remove their own admin role by hand)."""
    if "admin" in roles:
        return roles
    others = session.scalar(select(func.count()).select_from(UserRole).join(User, UserRole.user_id == User.id).where(
        UserRole.role == "admin", User.active.is_(True), User.id != user.id))
    holds = session.scalar(select(func.count()).select_from(UserRole).where(
        UserRole.user_id == user.id, UserRole.role == "admin"))
    return sorted([*roles, "admin"]) if holds and not others else roles


def _claim(claims: dict, name: str) -> str:
    """The claim as one line of text, without control or invisible characters (which could disguise a name)."""
    value = claims.get(name)
    if not isinstance(value, str):
        return ""
    return " ".join("".join(c for c in value if unicodedata.category(c) not in _HIDDEN).split())


_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def _email(claims: dict, claim: str) -> str | None:
    try:
        return email_address(_claim(claims, claim)[:320])
    except BadRequest:  # an address no mail server takes: notifications stay in the app
        return None


_NOT_IN_USERNAMES = re.compile(r"[^A-Za-z0-9._@-]+")


def _free_username(session: Session, provider: Provider, claims: dict, subject: str) -> str:
    """A readable username nobody holds: the provider's username claim (or e-mail) made safe, numbered if taken."""
    wanted = _claim(claims, provider.username_claim) or _claim(claims, provider.email_claim) or subject
    base = _NOT_IN_USERNAMES.sub("", wanted).lstrip("._@-")[:72] or f"{provider.name}-user"
    candidate, n = base, 1
    while candidate.lower() in NOT_PEOPLE or get_user(session, candidate) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


# The mapping administrators keep: each change is one audit event on the system chain.

def list_mappings(session: Session, *, actor: User) -> list[RoleMapping]:
    require_admin(actor)
    return list(session.scalars(select(RoleMapping).order_by(RoleMapping.provider, RoleMapping.group_value,
                                                             RoleMapping.role)))


def add_mapping(session: Session, *, provider: Provider, group: str, role: str, actor: User,
                clock: Clock) -> RoleMapping:
    """Members of `group` at `provider` hold `role` from their next sign-in (on the provider's word then, not on
    groups remembered from before). Raises BadRequest (no group, an
    unknown role, a partner role from a provider without an organisation), Conflict (already mapped)."""
    require_admin(actor)
    group = (group or "").strip()
    if not group or len(group) > 255:
        raise BadRequest("Enter the group's id or name as the provider sends it (at most 255 characters).",
                         fields={"group": "Enter the group as the provider sends it."})
    if role not in ROLES:
        raise BadRequest(f"Unknown role {role!r}. Roles: {', '.join(ROLES)}.", fields={"role": "Choose a role."})
    if role == "industry_partner" and not provider.organisation:
        raise BadRequest("An industry partner belongs to a company: set this provider's organisation first.",
                         fields={"role": "Choose another role, or set the provider's organisation."})
    if session.scalars(select(RoleMapping).where(RoleMapping.provider == provider.name,
                                                 RoleMapping.group_value == group, RoleMapping.role == role)).first():
        raise Conflict("That group already grants that role.", fields={"group": "Already mapped to this role."})
    mapping = RoleMapping(provider=provider.name, group_value=group, role=role, created_at=clock.now(),
                          created_by=actor.username)
    session.add(mapping)
    session.flush()
    record_event(session, instance=None, at=clock.now(), actor=actor.username, kind="role_mapping_changed",
                 data={"change": "added", "provider": provider.name, "group": group, "role": role})
    return mapping


def remove_mapping(session: Session, mapping_id: int, *, actor: User, clock: Clock) -> RoleMapping:
    """Members of the group lose its role at once (unless another of their groups grants it). Raises NotFound, or
    Conflict when the administrator removing it would lose their own admin role (so one always remains)."""
    require_admin(actor)
    mapping = session.get(RoleMapping, mapping_id)
    if mapping is None:
        raise NotFound("No such mapping: it may have been removed already.")
    session.delete(mapping)
    session.flush()
    kept = _roles_kept(session, mapping.provider)
    if actor.id in kept and "admin" not in kept[actor.id]:
        raise Conflict("This would take away your own admin role; ask another administrator to remove it.")
    record_event(session, instance=None, at=clock.now(), actor=actor.username, kind="role_mapping_changed",
                 data={"change": "removed", "provider": mapping.provider, "group": mapping.group_value,
                       "role": mapping.role})
    for user_id, roles in kept.items():
        apply_roles(session, session.get(User, user_id), roles, actor=ACTOR, clock=clock, provider=mapping.provider)
    return mapping


def _roles_kept(session: Session, provider: str) -> dict[int, list[str]]:
    """For each person linked to the provider, the roles they hold that the mapping still grants them by their
    groups at their last sign-in: taken away at once, never granted (that waits for the provider's word)."""
    kept = {}
    for identity in session.scalars(select(ExternalIdentity).where(ExternalIdentity.provider == provider)):
        user = session.get(User, identity.user_id)
        still = roles_for(session, provider, json.loads(identity.groups_json or "[]"))
        kept[user.id] = sorted(set(still) & user.roles)
    return kept


def identities_of(session: Session, user: User) -> list[ExternalIdentity]:
    return list(session.scalars(select(ExternalIdentity).where(ExternalIdentity.user_id == user.id)
                                .order_by(ExternalIdentity.provider)))
