"""Moving chosen running projects to another process version: dry run, then migration."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("migration", __name__, url_prefix="/migrations")
