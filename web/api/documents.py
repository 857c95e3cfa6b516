"""REST API: files attached to tasks and projects (upload, list, download), and the files a multipart task
submission carries (web/api/tasks.py completes with them)."""
from __future__ import annotations

import json

from flask import Blueprint, jsonify, request
from sqlalchemy.orm import Session

from engine.documents import reading
from engine.documents.references import reference_of
from engine.errors import BadRequest, ServiceError
from engine.repository.file_fields import KINDS
from engine.store.models import User
from engine.tasks.uploads import Files, add_uploads, upload_document
from web.api.bearer import authenticate
from web.file_responses import allow_file_uploads, document_response, upload_limits
from web.odd_input import odd_json
from web.services import clock, read, read_and_record, signed_in_user, write

bp = Blueprint("api_documents", __name__)
UPLOAD_ENDPOINT = "api.api_documents.upload"


@bp.url_value_preprocessor
def _larger_requests_for_uploads(endpoint: str | None, values: dict | None) -> None:
    if endpoint == UPLOAD_ENDPOINT:
        accept_uploads(values)


def accept_uploads(values: dict | None) -> None:
    """Before anything reads the body: who is sending it (the token), then whether a large one is theirs to send."""
    authenticate()
    allow_file_uploads((values or {}).get("task_id"))


@bp.post("/tasks/<task_id>/documents")
def upload(task_id: str):
    """multipart/form-data: `field` (a file field of the task's form) and `file`. 201: the reference, a draft of the
    caller's until the task is completed with it."""
    field, sent = request.form.get("field"), request.files.get("file")
    if not field or sent is None:
        raise BadRequest("Send multipart/form-data with the parts 'field' (the form's file field) and 'file'.",
                         fields={"field" if not field else "file": "required"})
    name, content = sent.filename or "", sent.read()  # read once: a retried transaction sees the same bytes

    def work(session: Session) -> dict:
        document = upload_document(session, user=signed_in_user(session), task_id=task_id, field=field, name=name,
                                   content=content, limits=upload_limits(), clock=clock())
        return reference_of(document)
    return jsonify(write(work)), 201


@bp.get("/instances/<int:instance_id>/documents")
def project_documents(instance_id: int):
    views = read(lambda s: reading.project_documents(s, user=signed_in_user(s), instance_id=instance_id))
    return jsonify({"documents": [view.as_dict() for view in views]})


@bp.get("/documents/<int:document_id>")
def download(document_id: int):
    document, content = read_and_record(lambda s: reading.open_document(
        s, user=signed_in_user(s), document_id=document_id, clock=clock()))
    return document_response(document, content)


def submitted_with_files() -> tuple[dict, Files]:
    """A multipart task submission: the answers (the part `data`, JSON text) and the files, each part named by its
    file field. Raises BadRequest for anything else."""
    text = request.form.get("data")
    if text is None:
        raise BadRequest("Send the answers as the part 'data' (JSON text) beside the files.",
                         fields={"data": "required"})
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except ValueError:
        raise BadRequest("The part 'data' must be JSON text: {...}.", fields={"data": "not JSON"}) from None
    if not isinstance(data, dict):
        raise BadRequest("The part 'data' must be a JSON object of answers.", fields={"data": "not an object"})
    odd = odd_json(data)  # as a JSON body's answers are checked at the door (web.odd_input)
    if odd:
        raise BadRequest(odd, fields={"data": "unreadable"})
    unknown = sorted(set(request.form) - {"data"})
    if unknown:
        raise BadRequest(f"Unknown part(s): {', '.join(unknown)[:200]}. Send the answers in 'data' and each file as "
                         "a file part named by its field.", fields={name: "not read" for name in unknown[:10]})
    files: Files = {}
    for field, sent in request.files.items(multi=True):
        content = sent.read()
        if sent.filename or content:  # a browser sends an empty part for a file input left empty
            files.setdefault(field, []).append((sent.filename or "", content))
    return data, files


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON can carry")


def with_uploads(session: Session, *, user: User, task_id: str, data: dict, files: Files) -> dict:
    """The answers with each uploaded file's id added to its field's list, the files kept as the user's drafts of
    this task (in the caller's transaction: if completing then fails, nothing is kept). Every refused file is
    named in one refusal, with the status of the first."""
    answers, refused = add_uploads(session, user=user, task_id=task_id, data=data, files=files, limits=upload_limits(),
                                   clock=clock())
    if refused:
        raise _merged([error for _field, error in refused])
    return answers


def _merged(refusals: list[ServiceError]) -> ServiceError:
    first = refusals[0]
    if len(refusals) == 1:
        return first
    fields = {name: message for refused in refusals for name, message in refused.fields.items()}
    return type(first)("Some files were refused: each field says why.", fields=fields)


REFERENCE = {"type": "object", "required": ["document", "name", "type", "size", "sha256"], "properties": {
    "document": {"type": "integer", "description": "The document's id"},
    "name": {"type": "string", "description": "The safe name it is kept and served under"},
    "type": {"type": "string", "description": "Its media type, known from its content"},
    "size": {"type": "integer", "description": "Bytes"}, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}}
DOCUMENT = {"type": "object", "required": ["id", "name", "type", "size", "sha256", "field", "task_id", "task",
                                           "uploaded_by", "attached_at"], "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "type": {"type": "string"}, "size": {"type": "integer"},
    "sha256": {"type": "string"}, "field": {"type": "string", "description": "The form field it answers"},
    "task_id": {"type": "string"}, "task": {"type": "string", "description": "The task's title"},
    "uploaded_by": {"type": "string", "description": "Username"},
    "attached_at": {"type": "string", "nullable": True, "description": "When the task was completed with it"}}}
UPLOAD = {"type": "object", "required": ["field", "file"], "properties": {
    "field": {"type": "string", "minLength": 1, "maxLength": 100,
              "description": "The form's file field (a property with x-file)"},
    "file": {"type": "string", "format": "binary", "description": "Checked by its content, not its name; at most "
             "the field's max_mb and the server's limit (SIXGATES_MAX_UPLOAD_MB)"}}}


def openapi_paths() -> dict:
    """This area's paths in the OpenAPI document."""
    from web.api.openapi import ID, INSTANCE_ID, TASK_ID, _op, _path_param
    upload_op = _op("Upload a file to a file field of an open task the caller holds or may claim: a draft of the "
                    "caller's until the task is completed with its id", ok=201, result=REFERENCE,
                    errors=(403, 404, 409, 413, 422), body={"multipart/form-data": {"schema": UPLOAD}},
                    params=(TASK_ID,))
    download_op = _op("A document's bytes, as an attachment (only for those shown a reference to it; the download "
                      "is recorded)", errors=(404,), params=(_path_param("document_id", ID),))
    download_op["responses"]["200"] = {"description": "The file, served as its media type (text with charset=utf-8) "
                                                      "with Content-Disposition: attachment", "content": {
        kind.media_type: {"schema": {"type": "string", "format": "binary"}} for kind in KINDS.values()}}
    return {
        "/tasks/{task_id}/documents": {"post": upload_op},
        "/instances/{instance_id}/documents": {"get": _op(
            "The documents attached to a project that the caller may read, oldest first",
            result={"type": "object", "required": ["documents"], "properties": {
                "documents": {"type": "array", "items": DOCUMENT}}}, errors=(404,), params=(INSTANCE_ID,))},
        "/documents/{document_id}": {"get": download_op},
    }
