"""The REST API /api/v1: JSON in and out, bearer tokens."""
from web.api import audit, migration, versions  # noqa: F401 - their routes join the blueprint
from web.api.core import bp  # noqa: F401
