"""REST API for auditors: replaying an instance's history.

The routes hang on the API blueprint, so its bearer-token authentication applies."""
from __future__ import annotations

from flask import jsonify, request

from engine.errors import BadRequest
from engine.history import timeline
from web.api.core import _user, bp
from web.services import clock, write


@bp.get("/instances/<int:instance_id>/replay")
def replay_instance(instance_id: int):
    """The replay after event ?upto=SEQ (the last event when absent or beyond the end)."""
    upto = request.args.get("upto")
    try:
        upto = int(upto) if upto not in (None, "") else None
    except ValueError:
        raise BadRequest("upto must be a whole number.") from None
    frame = write(lambda s: timeline.view_replay_frame(s, user=_user(s), instance_id=instance_id, upto=upto,
                                                       clock=clock()))
    return jsonify({**frame, "completed": frame["finished"]})  # the contract's name for the finished elements
