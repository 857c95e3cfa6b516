"""Task pages for reviewers: the form rendered from its JSON Schema, drafts, submission."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("task_pages", __name__)
