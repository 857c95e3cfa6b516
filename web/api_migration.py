"""REST API: migrating running instances to another process version (dry run and migration).

The routes hang on the API blueprint, so its bearer-token authentication applies."""
from __future__ import annotations

from .api import bp  # noqa: F401
