"""REST API: process versions beyond the list and deployment: one version's files and the diff between two.

The routes hang on the API blueprint, so its bearer-token authentication applies."""
from __future__ import annotations

from flask import Response, jsonify, request

from engine.repository import version_diff as versions
from web.api.core import _user, bp
from web.pages.versions import version_ids
from web.services import read


@bp.get("/processes/<int:version_id>")
def process_version(version_id: int):
    return jsonify(read(lambda s: versions.version_detail(s, user=_user(s), version_id=version_id).as_dict()))


@bp.get("/processes/<int:version_id>/bpmn")
def process_version_bpmn(version_id: int):
    name, xml = read(lambda s: versions.version_bpmn(s, user=_user(s), version_id=version_id))
    return Response(xml, mimetype="application/xml", headers={"Content-Disposition": f'inline; filename="{name}"'})


@bp.get("/processes/diff")
def process_versions_diff():
    old_id, new_id = version_ids(request.args)
    return jsonify(read(lambda s: versions.version_diff(s, user=_user(s), old_id=old_id, new_id=new_id).as_dict()))
