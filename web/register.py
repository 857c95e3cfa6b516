"""Placeholder blueprint; filled in by the register page."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("register", __name__)
