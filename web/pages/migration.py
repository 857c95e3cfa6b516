"""Moving chosen running projects to another process version: dry run, then migration."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required

from engine.errors import BadRequest
from engine.history.rule_reports import display_names
from engine.kernel.stages import stage_name
from engine.repository import deployments
from engine.runtime import migration
from engine.store.actor_names import actor_name
from web.odd_input import bounded_int
from web.services import clock, database, read, signed_in_user

bp = Blueprint("migration", __name__, url_prefix="/migrations")


def _version_arg(name: str) -> int | None:
    raw = request.values.get(name, "")
    if not raw:
        return None
    return bounded_int(raw, name, low=1)  # "²" is a digit to Python, not a number


def _choice(values) -> tuple[int, list[int]]:
    """The target version and the projects chosen on the page."""
    target_id, ids = _version_arg("to"), migration.parse_ids(values.getlist("instance"))
    if target_id is None or not ids:
        raise BadRequest("Choose a target version and at least one project.")
    return target_id, ids


def _owner(user) -> int:
    """The process owner's id; Forbidden for anyone else, before any project is tried."""
    migration.require_owner(user)
    return user.id


@bp.get("")
@login_required
def index():
    """Choose the versions and the projects to move."""
    source_id, target_id = _version_arg("from"), _version_arg("to")

    def load(session):
        me = signed_in_user(session)
        migration.require_owner(me)
        versions = deployments.list_versions(session)
        source = source_id or next((v.id for v, n in reversed(versions) if n), None)
        running = migration.running_on(session, user=me, version_id=source) if source else []
        return versions, source, running, display_names(session)

    versions, source_id, running, names = read(load)
    by_id = {v.id: v for v, _ in versions}
    source = by_id.get(source_id)
    targets = [v for v, _ in versions if source and v.key == source.key and v.id != source.id]
    target_id = target_id or (targets[-1].id if targets else None)
    return render_template("migration/index.html", versions=versions, source=source, targets=targets,
                           target_id=target_id, running=running, names=names, actor_name=actor_name,
                           stage_name=stage_name)


@bp.get("/plan")
@login_required
def plan():
    """The dry run for the chosen projects: nothing changes."""
    target_id, ids = _choice(request.args)
    plans, target = read(lambda s: (migration.plan_migrations(s, user=signed_in_user(s), instance_ids=ids,
                                                              target_version_id=target_id),
                                    deployments.version_view(deployments.get_version(s, target_id))))
    return render_template("migration/plan.html", plans=plans, target=target,
                           source_id=request.args.get("from", ""), stage_name=stage_name)


@bp.post("")
@login_required
def migrate():
    target_id, ids = _choice(request.form)
    owner = read(lambda s: _owner(signed_in_user(s)))
    outcomes = migration.migrate_each(database(), user_id=owner, instance_ids=ids, target_version_id=target_id,
                                      clock=clock())
    results = [outcome.as_dict() for outcome in outcomes]
    return render_template("migration/done.html", results=results, target_id=target_id)
