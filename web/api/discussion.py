"""REST API: a project's discussion (comments list and post)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from engine.discussion import comments, reading
from engine.errors import BadRequest
from web.api.request_args import json_body, text_field
from web.odd_input import MAX_ID
from web.services import clock, read, signed_in_user, write

bp = Blueprint("api_discussion", __name__)
LONGEST_BODY = 20_000  # before stripping; the service allows comments.MAX_BODY characters after


# One rule for both methods: with two, werkzeug answers a POST to an id past any (which the converter refuses)
# with 405 instead of 404.
@bp.route("/instances/<int:instance_id>/comments", methods=["GET", "POST"])
def comments_of(instance_id: int):
    return post_comment(instance_id) if request.method == "POST" else list_comments(instance_id)


def list_comments(instance_id: int):
    views = read(lambda s: reading.comments_for(s, user=signed_in_user(s), instance_id=instance_id))
    return jsonify({"comments": [v.as_dict() for v in views]})


def post_comment(instance_id: int):
    body = json_body()
    text = text_field(body, "body", longest=LONGEST_BODY)
    visibility = text_field(body, "visibility", longest=20) or None
    organisation = text_field(body, "organisation", longest=200) or None
    task_id = text_field(body, "task_id", longest=36) or None
    supersedes = _comment_id(body.get("supersedes"))

    def work(session):
        user = signed_in_user(session)
        posted = comments.post_comment(session, user=user, instance_id=instance_id, body=text,
                                       visibility=visibility, organisation=organisation, supersedes=supersedes,
                                       task_id=task_id, clock=clock())
        return next(v for v in reading.comments_for(session, user=user, instance_id=instance_id) if v.id == posted.id)
    return jsonify(write(work).as_dict()), 201


def _comment_id(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise BadRequest("supersedes is the id of the comment corrected.",
                         fields={"supersedes": f"a whole number from 1 to {MAX_ID}"})
    return value


def openapi_paths() -> dict:
    """This area's paths in the OpenAPI document."""
    from web.api.openapi import INSTANCE_ID, NULLABLE_STRING, _json, _op  # imported when the document is built
    person = {"type": "object", "required": ["username", "name"],
              "properties": {"username": {"type": "string"}, "name": {"type": "string"}}}
    comment = {"type": "object", "required": ["id", "author", "author_name", "at", "body", "visibility", "audience",
                                              "supersedes", "superseded_by", "mentions"], "properties": {
        "id": {"type": "integer"}, "author": {"type": "string"}, "author_name": {"type": "string"},
        "author_role": NULLABLE_STRING, "author_organisation": NULLABLE_STRING,
        "at": {"type": "string", "format": "date-time"}, "body": {"type": "string"},
        "visibility": {"type": "string", "enum": ["project", "internal", "organisation"]},
        "organisation": NULLABLE_STRING, "audience": {"type": "string", "description": "Who can read it, in words"},
        "supersedes": {"type": "integer", "nullable": True}, "superseded_by": {"type": "integer", "nullable": True},
        "task_id": NULLABLE_STRING, "task_title": NULLABLE_STRING, "mentions": {"type": "array", "items": person}}}
    new = {"type": "object", "required": ["body"], "properties": {
        "body": {"type": "string", "minLength": 1, "maxLength": comments.MAX_BODY, "pattern": r"\S",
                 "description": "Plain text; @username mentions someone who can read it, who is notified"},
        "visibility": {"type": "string", "enum": ["project", "internal", "organisation"],
                       "description": "Who can read it: everyone on the project, the NHS and Hub only, or the Hub "
                                      "and one partner organisation (a correction keeps the one it corrects)"},
        "organisation": {"type": "string", "maxLength": 200, "description": "The partner, for organisation"},
        "supersedes": {"type": "integer", "minimum": 1, "maximum": MAX_ID,
                       "description": "A comment of the caller's own that this one corrects (both stay)"},
        "task_id": {"type": "string", "maxLength": 36, "description": "The task it is posted beside"}}}
    return {"/instances/{instance_id}/comments": {
        "get": _op("The project's discussion as the caller may read it, oldest first", errors=(404,),
                   params=(INSTANCE_ID,), result={"type": "object", "required": ["comments"], "properties": {
                       "comments": {"type": "array", "items": comment}}}),
        "post": _op("Post a comment (or a correction of one's own) in the project's discussion", ok=201,
                    result=comment, errors=(403, 404, 413, 422), body=_json(new), params=(INSTANCE_ID,)),
    }}
