"""REST API /instances: starting projects, listing them, one project and its audit events, and its lifecycle
beyond the diagram (the sponsor withdraws it; the Hub team holds, resumes or stops it)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from engine.errors import BadRequest
from engine.runtime import instance_queries, instances, lifecycle
from web.api.request_args import int_arg, json_body, text_field
from web.services import clock, read, signed_in_user, write

bp = Blueprint("instances", __name__)


@bp.post("/instances")
def start_instance():
    key = json_body().get("process")
    if not isinstance(key, str) or not key:
        raise BadRequest("Give the process key, e.g. {\"process\": \"six_gates\"}.",
                         fields={"process": "required"})

    def work(session):
        user = signed_in_user(session)
        instance = instances.start_instance(session, user=user, process_key=key, clock=clock())
        session.flush()
        return instance_queries.instance_detail(session, user=user, instance_id=instance.id)

    return jsonify(write(work)), 201


@bp.get("/instances")
def list_instances():
    status, stage = request.args.get("status"), request.args.get("stage")
    limit, offset = int_arg("limit", 50), int_arg("offset", 0)
    rows = read(lambda s: instance_queries.instance_summaries(
        s, user=signed_in_user(s), status=status, stage=stage, limit=limit, offset=offset))
    return jsonify({"instances": rows})


@bp.get("/instances/<int:instance_id>")
def get_instance(instance_id: int):
    return jsonify(read(lambda s: instance_queries.instance_detail(
        s, user=signed_in_user(s), instance_id=instance_id)))


@bp.get("/instances/<int:instance_id>/events")
def instance_events(instance_id: int):
    events = read(lambda s: instance_queries.instance_events(s, user=signed_in_user(s), instance_id=instance_id))
    return jsonify({"events": events})



@bp.post("/instances/<int:instance_id>/withdraw")
def withdraw_instance(instance_id: int):
    """The sponsor withdraws the challenge they proposed, before Gate 1."""
    return _lifecycle(lifecycle.withdraw, instance_id)


@bp.post("/instances/<int:instance_id>/hold")
def hold_instance(instance_id: int):
    return _lifecycle(lifecycle.hold, instance_id)


@bp.post("/instances/<int:instance_id>/resume")
def resume_instance(instance_id: int):
    return _lifecycle(lifecycle.resume, instance_id)


@bp.post("/instances/<int:instance_id>/stop")
def stop_instance(instance_id: int):
    return _lifecycle(lifecycle.stop, instance_id)


def _lifecycle(change, instance_id: int):
    """Body {"reason": text} (resuming may go without); answers with the project as GET /instances/{id} does."""
    reason = text_field(json_body(), "reason")

    def work(session):
        user = signed_in_user(session)
        change(session, user=user, instance_id=instance_id, reason=reason, clock=clock())
        session.flush()
        return instance_queries.instance_detail(session, user=user, instance_id=instance_id)
    return jsonify(write(work))
