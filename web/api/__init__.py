"""The REST API /api/v1: JSON in and out, bearer tokens.

One blueprint per area, nested in the `api` blueprint, whose hooks run before every area's views:
a query parameter the OpenAPI document does not name is refused, then the bearer token is checked."""
from __future__ import annotations

from flask import Blueprint

from web.api import (
    audit,
    discussion,
    documents,
    instances,
    me,
    migration,
    notifications,
    openapi,
    sign_ins,
    tasks,
    tokens,
    versions,
)
from web.api.bearer import authenticate

AREAS = (openapi.bp, versions.bp, migration.bp, instances.bp, tasks.bp, audit.bp, notifications.bp, me.bp, documents.bp,
         discussion.bp, tokens.bp, sign_ins.bp)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(openapi.refuse_unknown_query)
bp.before_request(authenticate)
for area in AREAS:
    bp.register_blueprint(area)
