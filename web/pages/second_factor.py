"""The second factor at sign-in: a code from an authenticator app (TOTP) after the password, and setting one up.
(Being built: for now no one is asked for one.)"""
from __future__ import annotations

from flask import Blueprint

from engine.store.models import User

bp = Blueprint("second_factor", __name__)


def step_after_password(user: User):
    """The page that asks this user for a code, or to set up their app, before signing them in; None: sign in."""
    return None


@bp.get("/account/second-factor")
def manage():
    return "Being built", 501


@bp.get("/admin/second-factor")
def rules():
    return "Being built", 501
