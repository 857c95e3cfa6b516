"""REST API /tasks: the tasks a caller may act on, one task with its form, and acting on it (complete, with files
too, claim, release, keep a draft), and the Hub team giving one to another person (reassign)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from engine.errors import BadRequest
from engine.runtime import instance_queries
from engine.tasks import claims, completion, queries, reassignment
from web.api.documents import accept_uploads, submitted_with_files, with_uploads
from web.api.request_args import int_arg, json_body, text_field
from web.services import clock, read, signed_in_user, write

bp = Blueprint("tasks", __name__)
COMPLETE_ENDPOINT = "api.tasks.complete_task"


@bp.url_value_preprocessor
def _larger_requests_for_files(endpoint: str | None, values: dict | None) -> None:
    if endpoint == COMPLETE_ENDPOINT:
        accept_uploads(values)  # multipart only: a JSON body keeps the app's limit


@bp.get("/tasks")
def list_tasks():
    stage, role = request.args.get("stage"), request.args.get("role")
    limit, offset = int_arg("limit", 50), int_arg("offset", 0)

    def work(session):
        user = signed_in_user(session)
        rows = queries.list_tasks(session, user=user, stage=stage, role=role, limit=limit, offset=offset)
        return instance_queries.tasks_as_read(session, user=user, rows=rows)
    return jsonify({"tasks": read(work)})


@bp.get("/tasks/<task_id>")
def get_task(task_id: str):
    def work(session):
        detail = queries.get_task(session, user=signed_in_user(session), task_id=task_id)
        view = dict(detail.summary)
        view.update(form=detail.form, ui_schema=detail.ui_schema, documentation=detail.documentation,
                    context=detail.context, draft=detail.draft)
        return view
    return jsonify(read(work))


@bp.post("/tasks/<task_id>/complete")
def complete_task(task_id: str):
    """JSON {"data": {...}}, or multipart/form-data: the part `data` (the answers as JSON text) and files in parts
    named by their file field, uploaded and completed in one transaction (nothing kept if completing fails)."""
    if request.mimetype == "multipart/form-data":
        data, files = submitted_with_files()
    else:
        data, files = json_body().get("data"), {}
    if not isinstance(data, dict):
        raise BadRequest("Send the answers as {\"data\": {...}}.", fields={"data": "required"})

    def work(session):
        user = signed_in_user(session)
        answers = with_uploads(session, user=user, task_id=task_id, data=data, files=files) if files else data
        ready = completion.complete_task(session, user=user, task_id=task_id, data=answers, clock=clock())
        return instance_queries.tasks_as_read(session, user=user, rows=ready)
    return jsonify({"tasks": write(work)})


@bp.post("/tasks/<task_id>/claim")
def claim_task(task_id: str):
    def work(session):
        user = signed_in_user(session)
        task = claims.claim_task(session, user=user, task_id=task_id, clock=clock())
        return instance_queries.tasks_as_read(session, user=user, rows=[task], acted_on=True)[0]
    return jsonify(write(work))


@bp.post("/tasks/<task_id>/release")
def release_task(task_id: str):
    def work(session):
        user = signed_in_user(session)
        task = claims.release_task(session, user=user, task_id=task_id, clock=clock())
        return instance_queries.tasks_as_read(session, user=user, rows=[task], acted_on=True)[0]
    return jsonify(write(work))


@bp.put("/tasks/<task_id>/draft")
def save_draft(task_id: str):
    data = json_body().get("data")
    write(lambda s: claims.save_draft(s, user=signed_in_user(s), task_id=task_id, data=data, clock=clock()))
    return jsonify({"saved": True})


@bp.post("/tasks/<task_id>/reassign")
def reassign_task(task_id: str):
    """Body {"to": username, "reason": text}: the Hub team or an admin gives an open task to that person alone."""
    body = json_body()
    to, reason = text_field(body, "to"), text_field(body, "reason")

    def work(session):
        user = signed_in_user(session)
        task = reassignment.reassign_task(session, user=user, task_id=task_id, to=to, reason=reason, clock=clock())
        return instance_queries.tasks_as_read(session, user=user, rows=[task], acted_on=True)[0]
    return jsonify(write(work))
