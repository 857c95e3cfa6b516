"""A project's history: every audit event as a timeline, and step-through replay on its diagram."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("history", __name__, url_prefix="/projects")
