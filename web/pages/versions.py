"""Deployed process versions: list, one version's diagram, and the diff between two versions."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import login_required

from engine.repository import version_diff as versions
from web.services import read, signed_in_user
from web.version_args import version_ids

bp = Blueprint("versions", __name__, url_prefix="/processes")
AREA_TITLES = {"diagram": "Diagram elements", "forms": "Forms", "decisions": "Decision tables"}


@bp.get("")
@login_required
def index():
    rows = read(lambda s: versions.list_versions(s, user=signed_in_user(s)))
    latest = {row.key: row.id for row in rows}
    return render_template("versions/index.html", rows=rows, latest=latest)


@bp.get("/<int:version_id>")
@login_required
def show(version_id: int):
    detail = read(lambda s: versions.version_detail(s, user=signed_in_user(s), version_id=version_id))
    return render_template("versions/show.html", detail=detail, version=detail.summary)


@bp.get("/<int:version_id>/bpmn")
@login_required
def download(version_id: int):
    name, xml = read(lambda s: versions.version_bpmn(s, user=signed_in_user(s), version_id=version_id))
    return Response(xml, mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/diff")
@login_required
def diff():
    old_id, new_id = version_ids(request.args)
    result = read(lambda s: versions.version_diff(s, user=signed_in_user(s), old_id=old_id, new_id=new_id))
    groups = {area: [c for c in result.changes if c.area == area] for area in AREA_TITLES}
    return render_template("versions/diff.html", diff=result, groups=groups, area_titles=AREA_TITLES)
