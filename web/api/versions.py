"""REST API /processes: deployed process versions, deploying a new one, one version's files and the diff
between two."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from werkzeug.datastructures import FileStorage

from engine.errors import BadRequest, TooLarge
from engine.repository import deployments
from engine.repository import version_diff as versions
from engine.spiff.xmlsafe import MAX_XML_BYTES
from web.services import clock, read, signed_in_user, write
from web.version_args import version_ids

bp = Blueprint("versions", __name__)


@bp.get("/processes")
def list_processes():
    rows = read(lambda s: [deployments.version_view(v, n) for v, n in deployments.list_versions(s)])
    return jsonify({"processes": rows})


@bp.post("/processes")
def deploy_process():
    bpmn = request.files.get("bpmn")
    if bpmn is None:
        raise BadRequest("Upload the diagram as the multipart file field 'bpmn'.")
    files = request.files.getlist("forms") + request.files.getlist("dmn")
    # Read once, before the unit of work: a retried transaction must see the same files again.
    diagram, dmn, forms = bpmn.read(), _named(files, ".dmn"), _named(files, ".json")
    if max(map(len, [diagram, *dmn.values(), *forms.values()])) > MAX_XML_BYTES:
        raise TooLarge(f"Each file may be at most {MAX_XML_BYTES // 1024} KB.")

    def work(session):
        deployment = deployments.deploy_for_user(
            session, user=signed_in_user(session), bpmn=diagram, dmn=dmn, forms=forms, clock=clock())
        view = deployments.version_view(deployment.version)
        view["warnings"] = [w.as_dict() for w in deployment.warnings]
        return view, deployment.created

    view, created = write(work)
    return jsonify(view), 201 if created else 200


def _named(files: list[FileStorage], suffix: str) -> dict[str, bytes]:
    return {f.filename.rsplit("/", 1)[-1]: f.read() for f in files if f.filename and f.filename.endswith(suffix)}


@bp.get("/processes/<int:version_id>")
def process_version(version_id: int):
    return jsonify(read(lambda s: versions.version_detail(
        s, user=signed_in_user(s), version_id=version_id).as_dict()))


@bp.get("/processes/<int:version_id>/bpmn")
def process_version_bpmn(version_id: int):
    name, xml = read(lambda s: versions.version_bpmn(s, user=signed_in_user(s), version_id=version_id))
    return Response(xml, mimetype="application/xml", headers={"Content-Disposition": f'inline; filename="{name}"'})


@bp.get("/processes/diff")
def process_versions_diff():
    old_id, new_id = version_ids(request.args)
    return jsonify(read(lambda s: versions.version_diff(
        s, user=signed_in_user(s), old_id=old_id, new_id=new_id).as_dict()))
