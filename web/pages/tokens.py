"""API tokens, named and expiring: a person makes, lists and revokes their own; administrators list and revoke
anyone's. And changing one's own password. (Being built.)"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("tokens", __name__)


@bp.get("/account/api-tokens")
def mine():
    return "Being built", 501


@bp.get("/account/password")
def change_password():
    return "Being built", 501


@bp.get("/admin/api-tokens")
def everyone():
    return "Being built", 501
