"""Bearer-token authentication: every API request but the public ones names its user by a token."""
from __future__ import annotations

from flask import g, request

from engine.errors import NotAuthenticated
from engine.identity import tokens
from web.services import read

PUBLIC = {"api.openapi.document"}  # endpoints anyone may read: the API's own description


def authenticate() -> None:
    """Sets g.api_user_id (read by web.services.signed_in_user) or refuses the request with a 401."""
    if request.endpoint in PUBLIC or "api_user_id" in g:  # public, or already known (an upload asks first)
        return
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not header[7:].strip():
        raise NotAuthenticated("Send 'Authorization: Bearer TOKEN'.")
    user_id = read(lambda s: tokens.user_id_for_token(s, header[7:].strip()))
    if user_id is None:
        raise NotAuthenticated("The token is unknown or its user is disabled.")
    g.api_user_id = user_id
