"""Placeholder blueprint; filled in by the dashboard page."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dashboard", __name__)
