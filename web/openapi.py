"""The OpenAPI 3 description of /api/v1, served at /api/v1/openapi.json."""
from __future__ import annotations

ERROR = {"$ref": "#/components/schemas/Error"}


def _op(summary: str, *, ok: int = 200, errors: tuple[int, ...] = (401,), body: dict | None = None,
        params: tuple[dict, ...] = ()) -> dict:
    responses = {str(ok): {"description": "Success", "content": {"application/json": {"schema": {"type": "object"}}}}}
    for status in errors:
        responses[str(status)] = {"description": "Error", "content": {"application/json": {"schema": ERROR}}}
    op: dict = {"summary": summary, "responses": responses, "parameters": list(params)}
    if body:
        op["requestBody"] = {"required": True, "content": body}
    return op


def _path_param(name: str, schema_type: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": schema_type}}


def _query(name: str, schema_type: str = "string") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": {"type": schema_type}}


FILES = {"type": "array", "items": {"type": "string", "format": "binary"}}
UPLOAD = {"type": "object", "required": ["bpmn"],
          "properties": {"bpmn": {"type": "string", "format": "binary"}, "forms": FILES, "dmn": FILES}}
JSON_OBJECT = {"application/json": {"schema": {"type": "object"}}}
PAGE = (_query("limit", "integer"), _query("offset", "integer"))
TASK_ID = _path_param("task_id", "string")
INSTANCE_ID = _path_param("instance_id", "integer")
VERSION_ID = _path_param("version_id", "integer")
MIGRATION_BODY = {"type": "object", "required": ["target_version", "instances"], "properties": {
    "target_version": {"type": "integer"}, "instances": {"type": "array", "items": {"type": "integer"}},
    "dry_run": {"type": "boolean", "default": True,
                "description": "true: whether each instance can move and what changes; false: move the safe ones"}}}
MIGRATION = {"application/json": {"schema": MIGRATION_BODY}}


FINDING = {"type": "object", "required": ["element_id", "message", "severity", "file"], "properties": {
    "element_id": {"type": "string", "nullable": True, "description": "BPMN/DMN element id; null for the whole file"},
    "message": {"type": "string"}, "severity": {"type": "string", "enum": ["error", "warning"]},
    "file": {"type": "string", "nullable": True, "description": "DMN or form file; null for the BPMN file"}}}
FINDINGS = {"type": "array", "items": FINDING}
REJECTED = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message", "problems", "findings"],
    "properties": {"code": {"type": "string", "enum": ["diagram_rejected"]}, "message": {"type": "string"},
                   "problems": {"type": "array", "items": {"type": "string"}}, "findings": FINDINGS}}}}
DEPLOYED = {"type": "object", "properties": {
    "id": {"type": "integer"}, "key": {"type": "string"}, "version": {"type": "integer"}, "name": {"type": "string"},
    "hash": {"type": "string"}, "deployed_at": {"type": "string"}, "deployed_by": {"type": "string"},
    "warnings": FINDINGS}}


def _deploy_op() -> dict:
    """POST /processes: 201 new version (200 same content), 422 with every finding of the checks."""
    op = _op("Deploy a new version (process owners)", ok=201, errors=(400, 401, 403, 413, 422),
             body={"multipart/form-data": {"schema": UPLOAD}})
    deployed = {"application/json": {"schema": DEPLOYED}}
    op["responses"]["201"] = {"description": "Deployed; warnings do not block", "content": deployed}
    op["responses"]["200"] = {"description": "The same content was already deployed", "content": deployed}
    op["responses"]["422"] = {"description": "Refused by the checks before deployment",
                              "content": {"application/json": {"schema": REJECTED}}}
    return op


def openapi_document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Six Gates API", "version": "1.0.0",
                 "description": "The NHS–industry Six Gates procedure of the Midlands Life Science Hub."},
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
                "get": _op("Deployed process versions"),
                "post": _deploy_op(),
            },
            "/processes/{version_id}": {"get": _op("One version with its form and decision files",
                                                   errors=(401, 403, 404), params=(VERSION_ID,))},
            "/processes/{version_id}/bpmn": {"get": _op("The version's BPMN XML", errors=(401, 403, 404),
                                                        params=(VERSION_ID,))},
            "/processes/diff": {"get": _op("What changed between two versions", errors=(400, 401, 403, 404),
                                           params=(_query("old", "integer"), _query("new", "integer")))},
            "/migrations": {"post": _op("Move running instances to another version (process owners); dry run "
                                        "by default, one transaction per instance", errors=(400, 401, 403, 404),
                                        body=MIGRATION)},
            "/instances": {
                "get": _op("Instances visible to the caller", errors=(400, 401),
                           params=(_query("status"), _query("stage")) + PAGE),
                "post": _op("Start an instance", ok=201, errors=(400, 401, 403, 404), body=JSON_OBJECT),
            },
            "/instances/{instance_id}": {"get": _op("One instance", errors=(401, 404), params=(INSTANCE_ID,))},
            "/instances/{instance_id}/events": {"get": _op("Its audit events", errors=(401, 403, 404),
                                                           params=(INSTANCE_ID,))},
            "/instances/{instance_id}/replay": {"get": _op(
                "The project re-run up to event ?upto=SEQ (the last when absent or beyond the end): elements "
                "finished and active, the event, the data", errors=(400, 401, 404),
                params=(INSTANCE_ID, _query("upto", "integer")))},
            "/tasks": {"get": _op("Ready tasks the caller may act on", errors=(400, 401),
                                  params=(_query("stage"), _query("role")) + PAGE)},
            "/tasks/{task_id}": {"get": _op("A task with its form and context", errors=(401, 404), params=(TASK_ID,))},
            "/tasks/{task_id}/complete": {"post": _op("Complete a task", errors=(400, 401, 403, 404, 409, 422),
                                                      body=JSON_OBJECT, params=(TASK_ID,))},
            "/tasks/{task_id}/claim": {"post": _op("Claim a task", errors=(401, 403, 404, 409), params=(TASK_ID,))},
            "/tasks/{task_id}/release": {"post": _op("Release a claimed task", errors=(401, 403, 404),
                                                     params=(TASK_ID,))},
            "/tasks/{task_id}/draft": {"put": _op("Save unfinished answers", errors=(400, 401, 403, 404, 409),
                                                  body=JSON_OBJECT, params=(TASK_ID,))},
            "/audit/verify": {"get": _op("Verify every hash chain and re-run every instance from its start "
                                         "(auditors; ?rerun=false checks the chains only)", errors=(401, 403),
                                         params=(_query("rerun", "boolean"),))},
            "/openapi.json": {"get": {"summary": "This document", "security": [],
                                      "responses": {"200": {"description": "OpenAPI 3"}}}},
        },
    }
