"""REST API /me: the caller's own settings (how each kind of notification is e-mailed, where, and who takes
their new tasks while they are away) and the projects they proposed or take part in."""
from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, jsonify

from engine.errors import BadRequest
from engine.identity import accounts, delegation
from engine.notices import inbox
from engine.notices.kinds import DELIVERIES, KINDS
from engine.sixgates.my_projects import my_projects
from engine.store.models import Delegation
from web.api.request_args import json_body
from web.services import clock, read, signed_in_user, write

bp = Blueprint("me", __name__)

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@bp.get("/me/preferences")
def get_preferences():
    return jsonify(_preferences_view(read(lambda s: inbox.preferences_of(s, user=signed_in_user(s)))))


@bp.put("/me/preferences")
def set_preferences():
    """Body {kind: delivery, ...}: the kinds named change, the others stay as they were."""
    choices = json_body()
    if not all(isinstance(delivery, str) for delivery in choices.values()):
        raise BadRequest("Each kind takes a delivery, such as \"daily\".",
                         fields={str(k): "Give a delivery." for k, v in choices.items() if not isinstance(v, str)})
    return jsonify(_preferences_view(write(lambda s: inbox.set_preferences(s, user=signed_in_user(s),
                                                                           choices=choices))))


def _preferences_view(chosen: dict[str, str]) -> dict:
    return {"preferences": chosen, "kinds": KINDS, "deliveries": DELIVERIES}


@bp.get("/me/delegation")
def get_delegation():
    def work(session):
        found = delegation.current_delegation(session, signed_in_user(session), today=clock().now().date())
        return _delegation_view(found)
    return jsonify({"delegation": read(work)})


@bp.put("/me/delegation")
def set_delegation():
    """Body {"delegate": username, "starts_on": "YYYY-MM-DD", "ends_on": "YYYY-MM-DD"}, both days included."""
    body = json_body()
    delegate = body.get("delegate")
    if not isinstance(delegate, str) or not delegate.strip():
        raise BadRequest("Name your delegate by their username.", fields={"delegate": "Enter a username."})
    starts_on, ends_on = _date(body, "starts_on"), _date(body, "ends_on")
    view = write(lambda s: _delegation_view(delegation.set_delegation(
        s, user=signed_in_user(s), delegate=delegate, starts_on=starts_on, ends_on=ends_on, clock=clock())))
    return jsonify({"delegation": view})


@bp.delete("/me/delegation")
def end_delegation():
    ended = write(lambda s: delegation.end_delegation(s, user=signed_in_user(s), clock=clock()))
    return jsonify({"ended": ended})


def _date(body: dict, name: str) -> date:
    text = body.get(name)
    try:
        if isinstance(text, str) and ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:  # such as 2026-02-30
        pass
    raise BadRequest(f"{name} must be a date such as 2026-03-16.", fields={name: "Use a date such as 2026-03-16."})


def _delegation_view(found: Delegation | None) -> dict | None:
    if found is None:
        return None
    today = clock().now().date()
    return {"delegate": found.delegate.username, "delegate_name": found.delegate.display_name,
            "starts_on": found.starts_on.isoformat(), "ends_on": found.ends_on.isoformat(),
            "in_force": found.starts_on <= today <= found.ends_on}


@bp.put("/me/email")
def set_email():
    """Body {"email": address}; blank or null: notifications are shown in the app only."""
    body = json_body()
    email = body.get("email")
    if "email" not in body or email is not None and not isinstance(email, str):
        raise BadRequest("email is an e-mail address, or blank.", fields={"email": "Enter an e-mail address."})

    def work(session):
        user = signed_in_user(session)
        return accounts.set_email(session, user.username, email=email, actor=user, clock=clock()).email
    return jsonify({"email": write(work)})


@bp.get("/me/projects")
def list_my_projects():
    return jsonify({"projects": read(lambda s: my_projects(s, user=signed_in_user(s)))})
