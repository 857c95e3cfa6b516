"""The process owners' modeller: edit diagrams, forms and decision tables, keep drafts, check and deploy."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("modeller", __name__, url_prefix="/modeller")
