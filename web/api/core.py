"""REST API /api/v1: JSON in and out, bearer tokens. Each view reads the request, calls
one service function, and shapes the answer."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from werkzeug.datastructures import FileStorage

from engine.errors import BadRequest, NotAuthenticated, TooLarge
from engine.history import verification
from engine.identity import accounts
from engine.repository import deployments
from engine.runtime import instance_queries, instances
from engine.spiff.xmlsafe import MAX_XML_BYTES
from engine.store.models import User
from engine.tasks import queries
from web.api.openapi import openapi_document, refuse_unknown_query
from web.odd_input import bounded_int
from web.services import clock, read, write

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PUBLIC = {"api.openapi"}
bp.before_request(refuse_unknown_query)


@bp.before_request
def authenticate() -> None:
    if request.endpoint in PUBLIC:
        return
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not header[7:].strip():
        raise NotAuthenticated("Send 'Authorization: Bearer TOKEN'.")
    user_id = read(lambda s: accounts.user_id_for_token(s, header[7:].strip()))
    if user_id is None:
        raise NotAuthenticated("The token is unknown or its user is disabled.")
    g.api_user_id = user_id


def _user(session) -> User:
    return session.get(User, g.api_user_id)


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body


def _int_arg(name: str, default: int) -> int:
    return bounded_int(request.args.get(name), name, default=default)


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/processes")
def list_processes():
    rows = read(lambda s: [deployments.version_view(v, n) for v, n in deployments.list_versions(s)])
    return jsonify({"processes": rows})


@bp.post("/processes")
def deploy_process():
    bpmn = request.files.get("bpmn")
    if bpmn is None:
        raise BadRequest("Upload the diagram as the multipart file field 'bpmn'.")
    files = request.files.getlist("forms") + request.files.getlist("dmn")
    # Read once, before the unit of work: a retried transaction must see the same files again.
    diagram, dmn, forms = bpmn.read(), _named(files, ".dmn"), _named(files, ".json")
    if max(map(len, [diagram, *dmn.values(), *forms.values()])) > MAX_XML_BYTES:
        raise TooLarge(f"Each file may be at most {MAX_XML_BYTES // 1024} KB.")

    def work(session):
        deployment = deployments.deploy_for_user(
            session, user=_user(session), bpmn=diagram, dmn=dmn, forms=forms, clock=clock())
        view = deployments.version_view(deployment.version)
        view["warnings"] = [w.as_dict() for w in deployment.warnings]
        return view, deployment.created

    view, created = write(work)
    return jsonify(view), 201 if created else 200


def _named(files: list[FileStorage], suffix: str) -> dict[str, bytes]:
    return {f.filename.rsplit("/", 1)[-1]: f.read() for f in files if f.filename and f.filename.endswith(suffix)}


@bp.post("/instances")
def start_instance():
    body = _json_body()
    key = body.get("process")
    if not isinstance(key, str) or not key:
        raise BadRequest("Give the process key, e.g. {\"process\": \"six_gates\"}.",
                         fields={"process": "required"})

    def work(session):
        instance = instances.start_instance(session, user=_user(session), process_key=key, clock=clock())
        session.flush()
        return instance_queries.instance_detail(session, user=_user(session), instance_id=instance.id)

    return jsonify(write(work)), 201


@bp.get("/instances")
def list_instances():
    status, stage = request.args.get("status"), request.args.get("stage")
    limit, offset = _int_arg("limit", 50), _int_arg("offset", 0)
    rows = read(lambda s: instance_queries.instance_summaries(
        s, user=_user(s), status=status, stage=stage, limit=limit, offset=offset))
    return jsonify({"instances": rows})


@bp.get("/instances/<int:instance_id>")
def get_instance(instance_id: int):
    return jsonify(read(lambda s: instance_queries.instance_detail(s, user=_user(s), instance_id=instance_id)))


@bp.get("/instances/<int:instance_id>/events")
def instance_events(instance_id: int):
    events = read(lambda s: instance_queries.instance_events(s, user=_user(s), instance_id=instance_id))
    return jsonify({"events": events})


@bp.get("/tasks")
def list_tasks():
    stage, role = request.args.get("stage"), request.args.get("role")
    limit, offset = _int_arg("limit", 50), _int_arg("offset", 0)
    rows = read(lambda s: instance_queries.tasks_as_read(s, user=_user(s), rows=queries.list_tasks(
        s, user=_user(s), stage=stage, role=role, limit=limit, offset=offset)))
    return jsonify({"tasks": rows})


@bp.get("/tasks/<task_id>")
def get_task(task_id: str):
    def work(session):
        detail = queries.get_task(session, user=_user(session), task_id=task_id)
        view = dict(detail.summary)
        view.update(form=detail.form, ui_schema=detail.ui_schema, documentation=detail.documentation,
                    context=detail.context, draft=detail.draft)
        return view
    return jsonify(read(work))


@bp.post("/tasks/<task_id>/complete")
def complete_task(task_id: str):
    data = _json_body().get("data")
    if not isinstance(data, dict):
        raise BadRequest("Send the answers as {\"data\": {...}}.", fields={"data": "required"})

    def work(session):
        ready = instances.complete_task(session, user=_user(session), task_id=task_id, data=data, clock=clock())
        return instance_queries.tasks_as_read(session, user=_user(session), rows=ready)
    return jsonify({"tasks": write(work)})


@bp.post("/tasks/<task_id>/claim")
def claim_task(task_id: str):
    def work(session):
        task = queries.claim_task(session, user=_user(session), task_id=task_id, clock=clock())
        return instance_queries.tasks_as_read(session, user=_user(session), rows=[task], acted_on=True)[0]
    return jsonify(write(work))


@bp.post("/tasks/<task_id>/release")
def release_task(task_id: str):
    def work(session):
        task = queries.release_task(session, user=_user(session), task_id=task_id, clock=clock())
        return instance_queries.tasks_as_read(session, user=_user(session), rows=[task], acted_on=True)[0]
    return jsonify(write(work))


@bp.put("/tasks/<task_id>/draft")
def save_draft(task_id: str):
    data = _json_body().get("data")
    write(lambda s: queries.save_draft(s, user=_user(s), task_id=task_id, data=data, clock=clock()))
    return jsonify({"saved": True})


@bp.get("/audit/verify")
def audit_verify():
    """Every hash chain, and (unless ?rerun=false) every instance re-run from its start."""
    rerun = request.args.get("rerun", "true").lower()
    if rerun not in ("true", "false"):
        raise BadRequest("rerun is true or false.", fields={"rerun": "true or false"})
    rerun = rerun == "true"
    report = read(lambda s: verification.verify(s, user=_user(s), rerun=rerun))
    return jsonify(report.as_dict())
