"""Deployed process versions: list, one version's diagram, and the diff between two versions."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

from engine.errors import BadRequest, NotFound
from engine.repository import version_diff as versions
from engine.store.models import User
from web.odd_input import MAX_ID
from web.services import read

bp = Blueprint("versions", __name__, url_prefix="/processes")
AREA_TITLES = {"diagram": "Diagram elements", "forms": "Forms", "decisions": "Decision tables"}


def version_ids(args) -> tuple[int, int]:
    """The `old` and `new` version ids of a compare request (page or API)."""
    try:
        old, new = int(args["old"]), int(args["new"])
    except (KeyError, ValueError):
        raise BadRequest("Choose the two versions to compare: old and new, each a version number id.",
                         fields={"old": "required", "new": "required"}) from None
    if max(abs(old), abs(new)) > MAX_ID:  # past any id: names nothing, on every database
        raise NotFound("There is nothing with that number.")
    return old, new


def _me(session) -> User:
    return session.get(User, current_user.user.id)


@bp.get("")
@login_required
def index():
    rows = read(lambda s: versions.list_versions(s, user=_me(s)))
    latest = {row.key: row.id for row in rows}
    return render_template("versions/index.html", rows=rows, latest=latest)


@bp.get("/<int:version_id>")
@login_required
def show(version_id: int):
    detail = read(lambda s: versions.version_detail(s, user=_me(s), version_id=version_id))
    return render_template("versions/show.html", detail=detail, version=detail.summary)


@bp.get("/<int:version_id>/bpmn")
@login_required
def download(version_id: int):
    name, xml = read(lambda s: versions.version_bpmn(s, user=_me(s), version_id=version_id))
    return Response(xml, mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/diff")
@login_required
def diff():
    old_id, new_id = version_ids(request.args)
    result = read(lambda s: versions.version_diff(s, user=_me(s), old_id=old_id, new_id=new_id))
    groups = {area: [c for c in result.changes if c.area == area] for area in AREA_TITLES}
    return render_template("versions/diff.html", diff=result, groups=groups, area_titles=AREA_TITLES)
