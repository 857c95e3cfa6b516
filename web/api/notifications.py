"""REST API /notifications: the caller's own notifications, newest first with the unread count, and marking
them read."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from engine.errors import BadRequest
from engine.notices import inbox
from web.api.request_args import int_arg, json_body
from web.odd_input import MAX_ID
from web.services import clock, read, signed_in_user, write

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
def list_notifications():
    unread_only = request.args.get("unread", "false").lower()
    if unread_only not in ("true", "false"):
        raise BadRequest("unread is true or false.", fields={"unread": "true or false"})
    limit, offset = int_arg("limit", 50), int_arg("offset", 0)

    def work(session):
        user = signed_in_user(session)
        rows = inbox.notifications_of(session, user=user, limit=limit, offset=offset,
                                      unread_only=unread_only == "true")
        return {"notifications": [inbox.notification_view(n) for n in rows],
                "unread": inbox.unread_count(session, user=user)}
    return jsonify(read(work))


@bp.post("/notifications/read")
def mark_read():
    """{"ids": [...]} marks those; {} marks every one of the caller's notifications read."""
    ids = json_body().get("ids")
    if ids is not None and not (isinstance(ids, list) and all(
            isinstance(i, int) and not isinstance(i, bool) and 1 <= i <= MAX_ID for i in ids)):
        raise BadRequest("ids must be a list of notification ids.", fields={"ids": "Give whole numbers."})
    marked = write(lambda s: inbox.mark_read(s, user=signed_in_user(s), clock=clock(), ids=ids))
    return jsonify({"marked": marked})
