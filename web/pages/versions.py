"""Deployed process versions: list, one version's diagram, and the diff between two versions."""
from __future__ import annotations

import re

from flask import Blueprint, Response, render_template, request
from flask_login import login_required
from markupsafe import Markup, escape

from engine.repository import version_diff as versions
from web.services import read, signed_in_user
from web.version_args import version_ids

bp = Blueprint("versions", __name__, url_prefix="/processes")
# Private: only the signed-in reader's browser keeps it; immutable: a version's id always names the same diagram.
IMMUTABLE = "private, max-age=31536000, immutable"
AREA_TITLES = {"diagram": "Diagram elements", "forms": "Forms", "decisions": "Decision tables"}


@bp.app_template_filter("identifiers_as_code")
def identifiers_as_code(text: str) -> Markup:
    """A change said in words, its diagram and form identifiers (risk_rating, pilot_merge) set as code: they
    are what the process owner finds in the modeller, not words for a reader."""
    return Markup(re.sub(r"\b([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+)\b", r"<code>\1</code>", str(escape(text))))


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


@bp.get("/<int:version_id>/diagram.bpmn")
@login_required
def diagram(version_id: int):
    """The diagram the project, history and diff pages draw, fetched after their first view: a deployed
    version never changes, so the browser keeps it (and asks again only with its fingerprint)."""
    content_hash, xml = read(lambda s: versions.version_diagram(s, user=signed_in_user(s), version_id=version_id))
    if request.if_none_match.contains(content_hash):
        return Response(status=304, headers={"ETag": f'"{content_hash}"', "Cache-Control": IMMUTABLE})
    answer = Response(xml, mimetype="application/xml", headers={"Cache-Control": IMMUTABLE})
    answer.set_etag(content_hash)
    return answer


@bp.get("/diff")
@login_required
def diff():
    old_id, new_id = version_ids(request.args)
    result = read(lambda s: versions.version_diff(s, user=signed_in_user(s), old_id=old_id, new_id=new_id))
    groups = {area: [c for c in result.changes if c.area == area] for area in AREA_TITLES}
    return render_template("versions/diff.html", diff=result, groups=groups, area_titles=AREA_TITLES)
