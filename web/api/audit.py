"""REST API for auditors: verifying every hash chain, and replaying one instance's history."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from engine.errors import BadRequest
from engine.history import timeline, verification
from web.services import clock, read, read_and_record, signed_in_user

bp = Blueprint("audit", __name__)


@bp.get("/audit/verify")
def verify():
    """Every hash chain, and (unless ?rerun=false) every instance re-run from its start."""
    rerun = request.args.get("rerun", "true").lower()
    if rerun not in ("true", "false"):
        raise BadRequest("rerun is true or false.", fields={"rerun": "true or false"})
    rerun = rerun == "true"
    report = read(lambda s: verification.verify(s, user=signed_in_user(s), rerun=rerun))
    return jsonify(report.as_dict())


@bp.get("/instances/<int:instance_id>/replay")
def replay_instance(instance_id: int):
    """The replay after event ?upto=SEQ (the last event when absent or beyond the end)."""
    upto = request.args.get("upto")
    try:
        upto = int(upto) if upto not in (None, "") else None
    except ValueError:
        raise BadRequest("upto must be a whole number.") from None
    frame = read_and_record(lambda s: timeline.view_replay_frame(s, user=signed_in_user(s), instance_id=instance_id,
                                                                 upto=upto, clock=clock()))
    return jsonify({**frame, "completed": frame["finished"]})  # the contract's name for the finished elements
