"""The OpenAPI 3 description of /api/v1, served at /api/v1/openapi.json: as strict as the server, so a
request the document allows is one the server takes (tests/api/test_api_fuzz.py holds them to it)."""
from __future__ import annotations

import functools
import re

from flask import Blueprint, jsonify, request

from engine.errors import BadRequest
from engine.identity.accounts import EMAIL
from engine.notices.kinds import DELIVERIES, KINDS
from engine.runtime.instance_queries import STATUSES
from web.odd_input import MAX_ID

bp = Blueprint("openapi", __name__)

ERROR = {"$ref": "#/components/schemas/Error"}
ERROR_MEANS = {400: "Malformed: a parameter or body the server cannot read (also NUL characters, numbers out "
                    "of range)",
               401: "No token, or an unknown one, or its user is disabled",
               403: "Not allowed to you",
               404: "Unknown, or not visible to you",
               409: "Conflict with the task's or instance's state",
               413: "The body or a file is too large",
               422: "Validation failed: the fields say why",
               500: "A process error: diagram code failed; nothing was changed"}
NULLABLE_STRING = {"type": "string", "nullable": True}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _op(summary: str, *, ok: int = 200, result: dict | None = None, errors: tuple[int, ...] = (),
        body: dict | None = None, params: tuple[dict, ...] = ()) -> dict:
    """An operation answering `ok` with `result`, or one of the errors (400 and 401 always: any request
    may carry a NUL character or come without a token)."""
    responses = {str(ok): {"description": "Success", "content": _json(result or {"type": "object"})}}
    for status in sorted({400, 401, *errors}):
        responses[str(status)] = {"description": ERROR_MEANS[status], "content": _json(ERROR)}
    op: dict = {"summary": summary, "responses": responses, "parameters": list(params)}
    if body:
        op["requestBody"] = {"required": True, "content": body}
    return op


def _path_param(name: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query(name: str, schema: dict | None = None, *, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema or {"type": "string"}}


ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
FILES = {"type": "array", "items": {"type": "string", "format": "binary"}}
UPLOAD = {"type": "object", "required": ["bpmn"],
          "properties": {"bpmn": {"type": "string", "format": "binary"}, "forms": FILES, "dmn": FILES}}
PAGE = (_query("limit", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}),
        _query("offset", {"type": "integer", "minimum": 0, "maximum": MAX_ID, "default": 0}))
STATUS = _query("status", {"type": "string", "enum": list(STATUSES)})
TASK_ID = _path_param("task_id", {"type": "string", "minLength": 1, "maxLength": 36})
INSTANCE_ID = _path_param("instance_id", ID)
VERSION_ID = _path_param("version_id", ID)
START = _json({"type": "object", "required": ["process"], "properties": {
    "process": {"type": "string", "minLength": 1, "description": "The process key, e.g. six_gates"}}})
ANSWERS = _json({"type": "object", "required": ["data"], "properties": {
    "data": {"type": "object", "description": "The answers, by form field"}}})
# The same answers as JSON text, beside files in parts named by their file field (x-file in the task's form); a
# field's ids in `data` are kept, the files sent are added to them.
ANSWERS_WITH_FILES = {"multipart/form-data": {"schema": {
    "type": "object", "required": ["data"], "additionalProperties": {"type": "string", "format": "binary"},
    "properties": {"data": {"type": "string", "description": "The answers, by form field, as JSON text"}}}}}
MIGRATION = _json({"type": "object", "required": ["target_version", "instances"], "properties": {
    "target_version": ID, "instances": {"type": "array", "minItems": 1, "items": ID},
    "dry_run": {"type": "boolean", "default": True,
                "description": "true: whether each instance can move and what changes; false: move the safe ones"}}})

FINDING = {"type": "object", "required": ["element_id", "message", "severity", "file"], "properties": {
    "element_id": {"type": "string", "nullable": True, "description": "BPMN/DMN element id; null for the whole file"},
    "message": {"type": "string"}, "severity": {"type": "string", "enum": ["error", "warning"]},
    "file": {"type": "string", "nullable": True, "description": "DMN or form file; null for the BPMN file"}}}
FINDINGS = {"type": "array", "items": FINDING}
REJECTED = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message", "problems", "findings"],
    "properties": {"code": {"type": "string", "enum": ["diagram_rejected"]}, "message": {"type": "string"},
                   "problems": {"type": "array", "items": {"type": "string"}}, "findings": FINDINGS}}}}
VERSION = {"type": "object", "required": ["id", "key", "version", "name", "hash", "deployed_at", "deployed_by"],
           "properties": {"id": {"type": "integer"}, "key": {"type": "string"}, "version": {"type": "integer"},
                          "name": {"type": "string"}, "hash": {"type": "string"}, "deployed_at": {"type": "string"},
                          "deployed_by": {"type": "string"}, "instances": {"type": "integer"}}}
DEPLOYED = {**VERSION, "properties": {**VERSION["properties"], "warnings": FINDINGS}}
TASK = {"type": "object", "required": ["id", "instance_id", "name", "title", "role", "stage", "state", "due_at"],
        "properties": {"id": {"type": "string"}, "instance_id": {"type": "integer"}, "name": {"type": "string"},
                       "title": {"type": "string"}, "role": NULLABLE_STRING, "stage": {"type": "string"},
                       "state": {"type": "string"}, "due_at": NULLABLE_STRING, "assignee": NULLABLE_STRING,
                       "claimed_by": NULLABLE_STRING, "completed_by": NULLABLE_STRING,
                       "completed_at": NULLABLE_STRING}}
TASK_DETAIL = {**TASK, "required": [*TASK["required"], "form", "context"], "properties": {
    **TASK["properties"], "form": {"type": "object", "nullable": True},
    "ui_schema": {"type": "object", "nullable": True}, "documentation": {"type": "string"},
    "context": {"type": "object"}, "draft": {"type": "object", "nullable": True}}}
TASKS = {"type": "object", "required": ["tasks"], "properties": {"tasks": {"type": "array", "items": TASK}}}
INSTANCE = {"type": "object", "required": ["id", "title", "status", "stage", "process", "version"], "properties": {
    "id": {"type": "integer"}, "title": {"type": "string"}, "status": {"type": "string"},
    "stage": {"type": "string"}, "process": {"type": "string"}, "version": {"type": "integer"},
    "version_hash": {"type": "string"}, "started_by": {"type": "string"}, "started_at": {"type": "string"},
    "updated_at": {"type": "string"}, "completed_at": NULLABLE_STRING}}
INSTANCE_DETAIL = {**INSTANCE, "required": [*INSTANCE["required"], "open_tasks", "data"], "properties": {
    **INSTANCE["properties"], "open_tasks": {"type": "array", "items": TASK}, "data": {"type": "object"}}}
EVENTS = {"type": "object", "required": ["events"], "properties": {"events": {"type": "array", "items": {
    "type": "object", "required": ["seq", "at", "actor", "kind"], "properties": {
        "seq": {"type": "integer"}, "at": {"type": "string"}, "actor": {"type": "string"},
        "kind": {"type": "string"}, "data": {"type": "object"}}}}}}
REPLAY = {"type": "object", "required": ["completed", "finished"], "properties": {
    "completed": {"type": "array", "items": {"type": "string"}},
    "finished": {"type": "array", "items": {"type": "string"}}}}
MIGRATED = {"type": "object", "required": ["dry_run", "results"], "properties": {
    "dry_run": {"type": "boolean"}, "results": {"type": "array", "items": {"type": "object"}}}}
VERIFIED = {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}}

# Keeping the work moving: reassigning, a project's lifecycle, notifications and one's own settings.
REASON = {"type": "string", "maxLength": 1000, "pattern": r"\S", "description": "Why: it goes on the record"}
REASSIGN = _json({"type": "object", "required": ["to", "reason"], "properties": {
    "to": {"type": "string", "minLength": 1, "maxLength": 80, "description": "Username of the new holder"},
    "reason": REASON}})
WITH_REASON = _json({"type": "object", "required": ["reason"], "properties": {"reason": REASON}})
MAYBE_REASON = _json({"type": "object", "properties": {"reason": {"type": "string", "maxLength": 1000}}})
NOTIFICATION = {"type": "object", "required": ["id", "kind", "subject", "body", "link", "instance_id", "task_id",
                                               "created_at", "read", "emailed"], "properties": {
    "id": {"type": "integer"}, "kind": {"type": "string"}, "subject": {"type": "string"},
    "body": {"type": "string"}, "link": NULLABLE_STRING, "instance_id": {"type": "integer", "nullable": True},
    "task_id": NULLABLE_STRING, "created_at": {"type": "string"}, "read": {"type": "boolean"},
    "emailed": {"type": "boolean"}}}
NOTIFICATIONS = {"type": "object", "required": ["notifications", "unread"], "properties": {
    "notifications": {"type": "array", "items": NOTIFICATION}, "unread": {"type": "integer"}}}
MARK_READ = _json({"type": "object", "properties": {"ids": {
    "type": "array", "items": ID, "description": "The notifications to mark read; absent: all of them"}}})
COUNT = {"type": "object", "required": ["marked"], "properties": {"marked": {"type": "integer"}}}
CHOICES = {"type": "object", "additionalProperties": False,
           "properties": {kind: {"type": "string", "enum": list(DELIVERIES)} for kind in KINDS}}
PREFERENCES = {"type": "object", "required": ["preferences", "kinds", "deliveries"], "properties": {
    "preferences": {**CHOICES, "required": list(KINDS)},
    "kinds": {"type": "object", "additionalProperties": {"type": "string"}, "description": "kind -> what it means"},
    "deliveries": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "delivery -> what it means"}}}
DAY = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
DELEGATION = {"type": "object", "required": ["delegation"], "properties": {"delegation": {
    "type": "object", "nullable": True, "required": ["delegate", "delegate_name", "starts_on", "ends_on", "in_force"],
    "properties": {"delegate": {"type": "string"}, "delegate_name": {"type": "string"}, "starts_on": DAY,
                   "ends_on": DAY, "in_force": {"type": "boolean", "description": "Whether today is in the range"}}}}}
DELEGATE = _json({"type": "object", "required": ["delegate", "starts_on", "ends_on"], "properties": {
    "delegate": {"type": "string", "minLength": 1, "maxLength": 80, "description": "Username of a colleague "
                 "holding one of the caller's roles"}, "starts_on": DAY, "ends_on": {**DAY, "description":
                 "The last day, included; at most a year after starts_on"}}})
ENDED = {"type": "object", "required": ["ended"], "properties": {"ended": {"type": "boolean"}}}
ADDRESS = {"type": "string", "nullable": True, "maxLength": 320, "pattern": f"^(?:{EMAIL.pattern})?$"}
EMAIL_BODY = _json({"type": "object", "required": ["email"], "properties": {"email": {
    **ADDRESS, "description": "Where notifications are e-mailed; blank or null: in the app only"}}})
MY_PROJECT = {**INSTANCE, "required": [*INSTANCE["required"], "stage_name", "waiting", "may_withdraw"], "properties": {
    **INSTANCE["properties"], "stage_name": {"type": "string"}, "may_withdraw": {"type": "boolean"},
    "waiting": {"type": "array", "items": {"type": "object", "required": ["task_id", "title", "waiting_on", "due_at",
                                                                          "yours"], "properties": {
        "task_id": {"type": "string"}, "title": {"type": "string"}, "waiting_on": {"type": "string"},
        "due_at": NULLABLE_STRING, "yours": {"type": "boolean"}}}}}}


def _deploy_op() -> dict:
    """POST /processes: 201 new version (200 same content), 422 with every finding of the checks."""
    op = _op("Deploy a new version (process owners)", ok=201, errors=(403, 413, 422),
             body={"multipart/form-data": {"schema": UPLOAD}})
    op["responses"]["201"] = {"description": "Deployed; warnings do not block", "content": _json(DEPLOYED)}
    op["responses"]["200"] = {"description": "The same content was already deployed", "content": _json(DEPLOYED)}
    op["responses"]["422"] = {"description": "Refused by the checks before deployment", "content": _json(REJECTED)}
    return op


def _bpmn_op() -> dict:
    op = _op("The version's BPMN XML", errors=(403, 404), params=(VERSION_ID,))
    op["responses"]["200"] = {"description": "The diagram", "content": {"application/xml": {"schema": {
        "type": "string"}}}}
    return op


def _lifecycle_paths() -> dict:
    """The sponsor withdraws a challenge before Gate 1; the Hub team holds, resumes or stops a project."""
    ops = {"withdraw": ("Withdraw the challenge the caller proposed, before Gate 1 (its sponsor)", WITH_REASON),
           "hold": ("Put a project on hold: its timers wait and its tasks cannot be completed (Hub team)",
                    WITH_REASON),
           "resume": ("Resume a project on hold; timers that fell due meanwhile fire at once (Hub team)",
                      MAYBE_REASON),
           "stop": ("Stop a project for good, cancelling its open tasks (Hub team)", WITH_REASON)}
    return {f"/instances/{{instance_id}}/{change}": {"post": _op(
        summary, result=INSTANCE_DETAIL, errors=(403, 404, 409, 413), body=body, params=(INSTANCE_ID,))}
        for change, (summary, body) in ops.items()}


def _added_areas() -> dict:
    """Areas that describe their own paths beside their views (imported here, when the document is built)."""
    from web.api import discussion, documents, sign_ins, tokens
    return {**documents.openapi_paths(), **discussion.openapi_paths(), **tokens.openapi_paths(),
            **sign_ins.openapi_paths()}


def openapi_document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Six Gates API", "version": "1.0.0",
                 "description": "The NHS–industry Six Gates procedure of the Midlands Life Science Hub. Text in "
                                "a request never holds NUL characters; ids are whole numbers up to 2³¹−1."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                               "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}}}},
        },
        "paths": {
            "/processes": {
                "get": _op("Deployed process versions", result={
                    "type": "object", "required": ["processes"],
                    "properties": {"processes": {"type": "array", "items": VERSION}}}),
                "post": _deploy_op(),
            },
            "/processes/{version_id}": {"get": _op("One version with its form and decision files",
                                                   errors=(403, 404), params=(VERSION_ID,))},
            "/processes/{version_id}/bpmn": {"get": _bpmn_op()},
            "/processes/diff": {"get": _op("What changed between two versions", errors=(403, 404),
                                           params=(_query("old", ID, required=True),
                                                   _query("new", ID, required=True)))},
            "/migrations": {"post": _op("Move running instances to another version (process owners); dry run "
                                        "by default, one transaction per instance", result=MIGRATED,
                                        errors=(403, 404, 413), body=MIGRATION)},
            "/instances": {
                "get": _op("Instances visible to the caller", params=(STATUS, _query("stage")) + PAGE,
                           result={"type": "object", "required": ["instances"],
                                   "properties": {"instances": {"type": "array", "items": INSTANCE}}}),
                "post": _op("Start an instance", ok=201, result=INSTANCE_DETAIL, errors=(403, 404, 413, 500),
                            body=START),
            },
            "/instances/{instance_id}": {"get": _op("One instance", result=INSTANCE_DETAIL, errors=(403, 404),
                                                    params=(INSTANCE_ID,))},
            "/instances/{instance_id}/events": {"get": _op("Its audit events", result=EVENTS, errors=(403, 404),
                                                           params=(INSTANCE_ID,))},
            "/instances/{instance_id}/replay": {"get": _op(
                "The project re-run up to event ?upto=SEQ (the last when absent or beyond the end): elements "
                "finished and active, the event, the data (auditors)", result=REPLAY, errors=(403, 404),
                params=(INSTANCE_ID, _query("upto", ID)))},
            "/tasks": {"get": _op("Ready tasks the caller may act on", result=TASKS,
                                  params=(_query("stage"), _query("role")) + PAGE)},
            "/tasks/{task_id}": {"get": _op("A task with its form and context", result=TASK_DETAIL,
                                            errors=(403, 404), params=(TASK_ID,))},
            "/tasks/{task_id}/complete": {"post": _op("Complete a task; with files, as multipart/form-data (uploaded "
                                                      "and completed in one transaction)", result=TASKS,
                                                      errors=(403, 404, 409, 413, 422, 500),
                                                      body={**ANSWERS, **ANSWERS_WITH_FILES}, params=(TASK_ID,))},
            "/tasks/{task_id}/claim": {"post": _op("Claim a task", result=TASK, errors=(403, 404, 409),
                                                   params=(TASK_ID,))},
            "/tasks/{task_id}/release": {"post": _op("Release a claimed task", result=TASK, errors=(403, 404, 409),
                                                     params=(TASK_ID,))},
            "/tasks/{task_id}/draft": {"put": _op("Save unfinished answers", errors=(403, 404, 409, 413),
                                                  body=ANSWERS, params=(TASK_ID,), result={
                                                      "type": "object", "required": ["saved"],
                                                      "properties": {"saved": {"type": "boolean"}}})},
            "/tasks/{task_id}/reassign": {"post": _op(
                "Give an open task to another person who may do it, with a reason (Hub team, admins)", result=TASK,
                errors=(403, 404, 409, 413), body=REASSIGN, params=(TASK_ID,))},
            **_lifecycle_paths(),
            "/notifications": {"get": _op("The caller's notifications, newest first, and how many are unread",
                                          result=NOTIFICATIONS,
                                          params=(_query("unread", {"type": "boolean"}),) + PAGE)},
            "/notifications/read": {"post": _op("Mark the caller's notifications read (all when no ids are given)",
                                                result=COUNT, errors=(413,), body=MARK_READ)},
            "/me/preferences": {"get": _op("How each kind of notification is e-mailed to the caller",
                                           result=PREFERENCES),
                                "put": _op("Choose how some kinds are e-mailed: {kind: delivery}", result=PREFERENCES,
                                           errors=(413,), body=_json(CHOICES))},
            "/me/delegation": {"get": _op("The caller's out-of-office delegate, in force or to come",
                                          result=DELEGATION),
                               "put": _op("Name a delegate for the caller's new tasks between two dates",
                                          result=DELEGATION, errors=(413,), body=DELEGATE),
                               "delete": _op("Back early: end the delegation", result=ENDED)},
            "/me/email": {"put": _op("Where the caller's notifications are e-mailed", errors=(413,), body=EMAIL_BODY,
                                     result={"type": "object", "required": ["email"], "properties": {
                                         "email": NULLABLE_STRING}})},
            "/me/projects": {"get": _op("The projects the caller proposed or takes part in, with what each waits on",
                                        result={"type": "object", "required": ["projects"], "properties": {
                                            "projects": {"type": "array", "items": MY_PROJECT}}})},
            "/audit/verify": {"get": _op("Verify every hash chain and re-run every instance from its start "
                                         "(auditors; ?rerun=false checks the chains only)", result=VERIFIED,
                                         errors=(403,), params=(_query("rerun", {"type": "boolean"}),))},
            **_added_areas(),
            "/openapi.json": {"get": {"summary": "This document", "security": [],
                                      "responses": {"200": {"description": "OpenAPI 3",
                                                            "content": _json({"type": "object"})}}}},
        },
    }


@bp.get("/openapi.json")
def document():
    return jsonify(openapi_document())


@functools.cache
def _query_names() -> dict[tuple[str, str], frozenset[str]]:
    """(path as in the document, method) -> the query parameters the document names."""
    return {(path, method.upper()): frozenset(p["name"] for p in op.get("parameters", ()) if p["in"] == "query")
            for path, item in openapi_document()["paths"].items() for method, op in item.items()}


def refuse_unknown_query() -> None:
    """The API answers 400 to a query parameter its document does not name (a misspelt filter would
    otherwise be ignored silently and answer with everything)."""
    if request.url_rule is None or not request.args:
        return
    path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", request.url_rule.rule.removeprefix("/api/v1"))
    known = _query_names().get((path, request.method if request.method != "HEAD" else "GET"), frozenset())
    unknown = sorted(set(request.args) - known)
    if unknown:
        raise BadRequest(f"Unknown query parameter(s): {', '.join(unknown)}.",
                         fields={name: "not a parameter of this operation" for name in unknown[:10]})
