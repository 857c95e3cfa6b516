"""Downloads of the audit trail: XES for process mining, CSV and JSON."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/audit/export")
