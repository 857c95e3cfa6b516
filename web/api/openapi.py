"""The OpenAPI 3 description of /api/v1, served at /api/v1/openapi.json: as strict as the server, so a
request the document allows is one the server takes (tests/api/test_api_fuzz.py holds them to it)."""
from __future__ import annotations

import functools
import re

from flask import Blueprint, jsonify, request

from engine.errors import BadRequest
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
            "/tasks/{task_id}/complete": {"post": _op("Complete a task", result=TASKS,
                                                      errors=(403, 404, 409, 413, 422, 500), body=ANSWERS,
                                                      params=(TASK_ID,))},
            "/tasks/{task_id}/claim": {"post": _op("Claim a task", result=TASK, errors=(403, 404, 409),
                                                   params=(TASK_ID,))},
            "/tasks/{task_id}/release": {"post": _op("Release a claimed task", result=TASK, errors=(403, 404, 409),
                                                     params=(TASK_ID,))},
            "/tasks/{task_id}/draft": {"put": _op("Save unfinished answers", errors=(403, 404, 409, 413),
                                                  body=ANSWERS, params=(TASK_ID,), result={
                                                      "type": "object", "required": ["saved"],
                                                      "properties": {"saved": {"type": "boolean"}}})},
            "/audit/verify": {"get": _op("Verify every hash chain and re-run every instance from its start "
                                         "(auditors; ?rerun=false checks the chains only)", result=VERIFIED,
                                         errors=(403,), params=(_query("rerun", {"type": "boolean"}),))},
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
