"""Documents: downloading and previewing files attached to a project's tasks."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("documents", __name__)
