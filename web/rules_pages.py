"""Rule reports over the whole history: four-eyes, conflicts of interest, each role's actions by person."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("rules", __name__, url_prefix="/audit/rules")
