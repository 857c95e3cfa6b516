"""REST API: migrating running instances to another process version (dry run and migration).

The routes hang on the API blueprint, so its bearer-token authentication applies."""
from __future__ import annotations

from flask import g, jsonify

from engine.errors import BadRequest
from engine.runtime import migration
from web.api.core import _json_body, _user, bp
from web.odd_input import MAX_ID
from web.services import clock, database, read


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


@bp.post("/migrations")
def migrate_instances():
    """Body {"target_version": id, "instances": [ids], "dry_run": true|false}."""
    body = _json_body()
    target, ids, dry_run = body.get("target_version"), body.get("instances"), body.get("dry_run", True)
    if not _is_id(target) or not isinstance(ids, list) or not ids \
            or not all(_is_id(i) for i in ids) or not isinstance(dry_run, bool):
        raise BadRequest('Send {"target_version": ID, "instances": [ID, ...], "dry_run": true or false}.',
                         fields={"target_version": "a version id", "instances": "a list of instance ids"})
    if dry_run:
        plans = read(lambda s: migration.plan_migrations(s, user=_user(s), instance_ids=ids,
                                                         target_version_id=target))
        return jsonify({"dry_run": True, "results": [p.as_dict() for p in plans]})
    read(lambda s: migration.require_owner(_user(s)))
    outcomes = migration.migrate_each(database(), user_id=g.api_user_id, instance_ids=ids, target_version_id=target,
                                      clock=clock())
    return jsonify({"dry_run": False, "results": [outcome.as_dict() for outcome in outcomes]})
