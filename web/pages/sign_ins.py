"""Sign-ins on the record, for auditors: who signed in, failed, was locked out, set up a second factor, made or
revoked an API token, and how groups map to roles; filtered, and as CSV. (Being built.)"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sign_ins", __name__, url_prefix="/audit/sign-ins")


@bp.get("", strict_slashes=False)
def index():
    return "Being built", 501
