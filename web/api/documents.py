"""REST API: files attached to tasks and projects (upload, list, download)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api_documents", __name__)


def openapi_paths() -> dict:
    """This area's paths in the OpenAPI document."""
    return {}
