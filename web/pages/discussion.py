"""A project's discussion: comments, mentions and internal notes."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("discussion", __name__)
