"""Deployed process versions: list, one version's diagram, and the diff between two versions."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("versions", __name__, url_prefix="/processes")
