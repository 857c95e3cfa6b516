"""REST API: process versions beyond the list and deployment: one version's files and the diff between two.

The routes hang on the API blueprint, so its bearer-token authentication applies."""
from __future__ import annotations

from .api import bp  # noqa: F401
