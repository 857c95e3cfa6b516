"""Bearer-token authentication: every API request but the public ones names its user by a token."""
from __future__ import annotations

from flask import g, request

from engine.errors import NotAuthenticated
from engine.identity import tokens
from web.services import clock, read, write

PUBLIC = {"api.openapi.document"}  # endpoints anyone may read: the API's own description


def authenticate() -> None:
    """Sets g.api_user_id (read by web.services.signed_in_user) or refuses the request with a 401."""
    if request.endpoint in PUBLIC or "api_user_id" in g:  # public, or already known (an upload asks first)
        return
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not header[7:].strip():
        raise NotAuthenticated("Send 'Authorization: Bearer TOKEN'.")
    holder = read(lambda s: tokens.token_holder(s, header[7:].strip(), clock=clock()))
    if holder is None:
        raise NotAuthenticated("The token is unknown, expired or revoked, or its user is disabled.")
    if holder.stale:  # a write at most every few minutes a token, not one a request
        write(lambda s: tokens.touch_token(s, holder.token_id, clock=clock()))
    g.api_user_id = holder.user_id
    g.api_token_id = holder.token_id
