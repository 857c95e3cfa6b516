"""REST API /migrations: moving running instances to another process version (dry run and migration)."""
from __future__ import annotations

from flask import Blueprint, jsonify

from engine.errors import BadRequest
from engine.runtime import migration
from web.api.request_args import json_body
from web.odd_input import MAX_ID
from web.services import clock, database, read, signed_in_user

bp = Blueprint("migration", __name__)


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


@bp.post("/migrations")
def migrate_instances():
    """Body {"target_version": id, "instances": [ids], "dry_run": true|false}."""
    body = json_body()
    target, ids, dry_run = body.get("target_version"), body.get("instances"), body.get("dry_run", True)
    if not _is_id(target) or not isinstance(ids, list) or not ids \
            or not all(_is_id(i) for i in ids) or not isinstance(dry_run, bool):
        raise BadRequest('Send {"target_version": ID, "instances": [ID, ...], "dry_run": true or false}.',
                         fields={"target_version": "a version id", "instances": "a list of instance ids"})
    if dry_run:
        plans = read(lambda s: migration.plan_migrations(s, user=signed_in_user(s), instance_ids=ids,
                                                         target_version_id=target))
        return jsonify({"dry_run": True, "results": [p.as_dict() for p in plans]})
    outcomes = migration.migrate_each(database(), user_id=read(_owner), instance_ids=ids, target_version_id=target,
                                      clock=clock())
    return jsonify({"dry_run": False, "results": [outcome.as_dict() for outcome in outcomes]})


def _owner(session) -> int:
    """The caller's id when they are a process owner; Forbidden for anyone else, before any instance is tried."""
    user = signed_in_user(session)
    migration.require_owner(user)
    return user.id
