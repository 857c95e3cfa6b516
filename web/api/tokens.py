"""REST API /me/tokens: the caller's own API tokens, named and expiring: list them, make one (shown once), revoke
one. Someone else's token is not found here, whoever asks (administrators revoke others' on their page)."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from engine.errors import BadRequest
from engine.identity import tokens
from web.api.request_args import json_body, text_field
from web.services import clock, read, signed_in_user, write

bp = Blueprint("tokens", __name__)


@bp.get("/me/tokens")
def list_mine():
    def work(session):
        me = signed_in_user(session)
        return [view.as_json() for view in tokens.list_tokens(session, me.username, actor=me, clock=clock())]
    return jsonify({"tokens": read(work)})


@bp.post("/me/tokens")
def create():
    """Body {"name": text, "days": 1 to 365 (default 90)}; answers 201 with the token, shown this once. It lasts no
    longer than the token that asked for it, and is revoked with it."""
    body = json_body()
    name = text_field(body, "name", longest=tokens.MAX_NAME)
    days = body.get("days", tokens.DEFAULT_DAYS)
    if isinstance(days, bool) or not isinstance(days, int):
        raise BadRequest("days is a whole number of days.", fields={"days": "Give a whole number of days."})

    def work(session):
        me = signed_in_user(session)
        token, view = tokens.issue_token(session, username=me.username, actor=me.username, clock=clock(), name=name,
                                         days=days, made_with=g.get("api_token_id"))
        return {"token": token, **view.as_json()}
    return jsonify(write(work)), 201


@bp.delete("/me/tokens/<int:token_id>")
def revoke(token_id: int):
    write(lambda s: tokens.revoke_token(s, token_id, actor=signed_in_user(s), clock=clock(), own_only=True))
    return jsonify({"revoked": True})


def openapi_paths() -> dict:
    """This area's paths in the OpenAPI document."""
    from web.api.openapi import ID, NULLABLE_STRING, _json, _op, _path_param  # imported when the document is built
    when = {"type": "string", "format": "date-time"}
    token = {"type": "object", "required": ["id", "name", "username", "created_at", "expires_at", "last_used_at",
                                            "revoked_at", "status"], "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "username": {"type": "string"}, "created_at": when,
        "expires_at": {**NULLABLE_STRING, "description": "null: made before tokens expired; works until revoked"},
        "last_used_at": {**NULLABLE_STRING, "description": "Written at most every few minutes"},
        "revoked_at": NULLABLE_STRING, "status": {"type": "string", "enum": ["active", "expired", "revoked"]}}}
    new = {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": tokens.MAX_NAME, "pattern": r"\S",
                 "description": "What the token is for, such as the program that uses it"},
        "days": {"type": "integer", "minimum": 1, "maximum": tokens.MAX_DAYS,
                 "description": f"How long it works (default {tokens.DEFAULT_DAYS})"}}}
    made = {**token, "required": ["token", *token["required"]],
            "properties": {"token": {"type": "string", "description": "The bearer token: shown this once"},
                           **token["properties"]}}
    return {
        "/me/tokens": {
            "get": _op("The caller's API tokens, newest first (never the tokens themselves)", result={
                "type": "object", "required": ["tokens"], "properties": {"tokens": {"type": "array", "items": token}}}),
            "post": _op("Make an API token for the caller, named and expiring (no later than the token asking, and "
                        "revoked with it)", ok=201, result=made, errors=(413,),
                        body=_json(new)),
        },
        "/me/tokens/{token_id}": {"delete": _op(
            "Revoke one of the caller's API tokens at once", errors=(404,), params=(_path_param("token_id", ID),),
            result={"type": "object", "required": ["revoked"], "properties": {"revoked": {"type": "boolean"}}})},
    }
