"""The auditors' area: the start page and the verification of every project's history."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")
