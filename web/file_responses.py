"""How documents travel over HTTP, for the pages and the API alike: the headers a download is served with, and
how large a request carrying files may be."""
from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import Response, current_app, request
from sqlalchemy.orm import Session

from engine.documents.kinds import UploadLimits
from engine.errors import ServiceError, TooLarge
from engine.repository.file_fields import MB
from engine.store.models import Document
from engine.tasks.access import open_running_task
from web.services import read, signed_in_user

FILES_PER_REQUEST = 8  # a request may carry this many files of the largest size, plus its answers
ANSWERS_ALLOWANCE = 1 * MB
ANSWERS_PART_LIMIT = 4 * MB  # the answers' own text in a multipart request: as much as a JSON body may carry


def content_disposition(name: str, *, inline: bool = False) -> str:
    """attachment (or inline) with an ASCII filename for old clients and the exact name in filename* (RFC 6266)."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    fallback = (_ascii(stem) or "document") + (f".{_ascii(extension)}" if _ascii(extension) else "")
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _ascii(text: str) -> str:
    """Letters with their accents dropped; anything a quoted header value cannot hold becomes "_"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c if c.isprintable() and c not in '"\\;' else "_" for c in plain).strip(" ._")


def document_response(document: Document, content: bytes, *, inline: bool = False) -> Response:
    """The bytes as a download: the type known from their content, never sniffed by the browser, never cached."""
    media_type = document.media_type
    if media_type.startswith("text/"):
        media_type += "; charset=utf-8"
    return Response(content, content_type=media_type, headers={
        "Content-Disposition": content_disposition(document.name, inline=inline),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store"})


def upload_limits() -> UploadLimits:
    """The server's limits on each file uploaded (SIXGATES_MAX_UPLOAD_MB)."""
    return current_app.extensions["sixgates_settings"].upload_limits()


def largest_upload_request() -> int:
    """How many bytes a request carrying files may hold: the per-file limit several times over, and the answers."""
    return upload_limits().max_bytes * FILES_PER_REQUEST + ANSWERS_ALLOWANCE


def allow_file_uploads(task_id: str | None) -> None:
    """Let this request (a multipart one to a task the signed-in sender may act on now) be larger than the app's
    limit for JSON bodies. Call it before anything reads the body: a blueprint's url_value_preprocessor runs before
    every before_request (web.odd_input reads the form). A request announced as larger is refused at once as 413,
    with the limit in words; anyone else keeps the app's limit, so nobody makes the server take in what it refuses."""
    if request.mimetype != "multipart/form-data" or not task_id or not read(lambda s: _may_upload(s, task_id)):
        return
    largest = largest_upload_request()
    if request.content_length is not None and request.content_length > largest:
        raise TooLarge(f"The request is larger than the {largest // MB} MB one request may carry: send fewer or "
                       "smaller files.")
    request.max_content_length = largest
    request.max_form_memory_size = ANSWERS_PART_LIMIT


def _may_upload(session: Session, task_id: str) -> bool:
    try:
        open_running_task(session, signed_in_user(session), task_id)
    except ServiceError:
        return False
    return True
