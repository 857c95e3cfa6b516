"""Documents: downloading and previewing files attached to a project's tasks, and the words pages say them in
(a link with its kind and size, wherever an answer holds a file)."""
from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required

from engine.documents import reading
from engine.documents.kinds import size_in_words
from engine.errors import NotFound
from engine.repository.file_fields import KIND_BY_MEDIA_TYPE
from web.file_responses import document_response
from web.services import clock, read, read_and_record, signed_in_user

bp = Blueprint("documents", __name__)

# An image shown on its own may run nothing; Chromium's PDF viewer does not work in a sandbox, so PDFs keep the
# app's own policy (scripts from this site only; a PDF's own scripts do not run in the browser's viewer).
IMAGE_PREVIEW_POLICY = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


@bp.get("/documents/<int:document_id>")
@login_required
def download(document_id: int):
    document, content = read_and_record(lambda s: reading.open_document(s, user=signed_in_user(s),
                                                                        document_id=document_id, clock=clock()))
    return document_response(document, content)


@bp.get("/documents/<int:document_id>/preview")
@login_required
def preview(document_id: int):
    """The document in the browser's own viewer: PDFs and images only (any other kind would be a download)."""
    def work(session):
        document, content = reading.open_document(session, user=signed_in_user(session), document_id=document_id,
                                                  clock=clock())
        if not previewable(document.media_type):
            raise NotFound(reading.NO_SUCH_DOCUMENT)  # raised here, so the download is not recorded either
        return document, content
    document, content = read_and_record(work)
    response = document_response(document, content, inline=True)
    if document.media_type.startswith("image/"):
        response.headers["Content-Security-Policy"] = IMAGE_PREVIEW_POLICY
    return response


@bp.app_template_global()
def previewable(media_type: str) -> bool:
    kind = KIND_BY_MEDIA_TYPE.get(media_type)
    return bool(kind and kind.preview)


@bp.app_template_filter()
def file_kind(media_type: str) -> str:
    """"PDF", "Word document": a file's kind as people say it."""
    kind = KIND_BY_MEDIA_TYPE.get(media_type)
    return kind.label if kind else "File"


@bp.app_template_filter()
def file_size(size: int) -> str:
    """"120 KB", "1.5 MB"."""
    return size_in_words(size) if isinstance(size, int) and size >= 0 else ""


@bp.app_template_global()
def project_documents_for(instance_id: int) -> list[reading.DocumentView]:
    """The documents of a project the signed-in person may read (for the project page), none for anyone else."""
    if not current_user.is_authenticated:
        return []
    try:
        return read(lambda s: reading.project_documents(s, user=signed_in_user(s), instance_id=instance_id))
    except NotFound:
        return []
