"""REST API: a project's discussion (comments list and post)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api_discussion", __name__)


def openapi_paths() -> dict:
    """This area's paths in the OpenAPI document."""
    return {}
