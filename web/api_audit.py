"""REST API for auditors: replaying an instance's history.

The routes hang on the API blueprint, so its bearer-token authentication applies."""
from __future__ import annotations

from .api import bp  # noqa: F401
