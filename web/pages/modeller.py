"""The process owners' modeller: edit diagrams, forms and decision tables, keep drafts, check and deploy.

Pages for choosing and opening a draft; small JSON endpoints the editor page calls with fetch.
Who may do what is engine.repository.drafts' question; this module reads the request, calls it, answers.
"""
from __future__ import annotations

import json
import re

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import Session

from engine.errors import BadRequest, ServiceError
from engine.history.rule_reports import display_names
from engine.kernel import task_rules
from engine.kernel.stages import STAGES
from engine.policy import ROLES
from engine.repository import deployments, drafts
from engine.repository.forms import fill_options, schema_problem
from engine.store.actor_names import actor_name
from web.errors import status_of
from web.services import clock, read, signed_in_user, write
from web.task_forms import build_fields, humanise

bp = Blueprint("modeller", __name__, url_prefix="/modeller")


@bp.before_request
@login_required
def process_owners_only() -> None:
    drafts.require_process_owner(current_user.user)


@bp.context_processor
def _presentation():
    return {"humanise": humanise}


@bp.get("/")
@bp.get("")  # registered first, so links read /modeller?version=...
def index():
    version_id = request.args.get("version", type=int)
    if version_id is None:
        return _index_page()
    # A GET changes nothing: offer to make a copy, or to open a draft already made from this version.
    try:
        version, existing = read(lambda s: drafts.drafts_from_version(s, user=signed_in_user(s), version_id=version_id))
    except ServiceError as error:
        return _index_page(error.message, status_of(error))
    return render_template("modeller/start.html", version=version, existing=existing)


def _index_page(error: str | None = None, status: int = 200, *, upload_error: bool = False):
    """The list of drafts and versions; an upload's refusal is shown against the diagram field."""
    versions, mine, names = read(lambda s: (deployments.list_versions(s), drafts.list_drafts(s, user=signed_in_user(s)),
                                            display_names(s)))
    latest = {version.key: version for version, _count in versions}  # listed by key, then version
    return render_template("modeller/index.html", versions=versions, drafts=mine, latest=list(latest.values()),
                           error=error, upload_error=upload_error, names=names, actor_name=actor_name), status


@bp.post("/drafts")
def new_from_version():
    version_id = request.form.get("version_id", type=int) or 0
    draft_id = write(lambda s: drafts.draft_from_version(s, user=signed_in_user(s), version_id=version_id,
                                                         clock=clock()).id)
    return redirect(url_for("modeller.edit", draft_id=draft_id))


@bp.post("/upload")
def upload():
    diagram = request.files.get("bpmn")
    if diagram is None or not diagram.filename:
        return _index_page("Choose a .bpmn file to upload.", 400, upload_error=True)
    dmn, forms = {}, {}
    for extra in request.files.getlist("extra"):
        name = re.split(r"[\\/]", extra.filename or "")[-1]  # a file name, never a path
        if name:
            (dmn if name.endswith(".dmn") else forms)[name] = extra.read()
    content = diagram.read()  # once, outside the unit of work, which may run again
    try:
        draft_id = write(lambda s: drafts.draft_from_upload(s, user=signed_in_user(s), bpmn=content, dmn=dmn,
                                                            forms=forms, clock=clock()).id)
    except ServiceError as error:
        return _index_page(f"The upload was refused: {error.message}", status_of(error), upload_error=True)
    flash("Diagram uploaded as a new draft. Nothing is deployed until you deploy it.")
    return redirect(url_for("modeller.edit", draft_id=draft_id))


@bp.get("/drafts/<int:draft_id>")
def edit(draft_id: int):
    view = read(lambda s: drafts.draft_view(drafts.get_draft(s, user=signed_in_user(s), draft_id=draft_id)))
    urls = {"save": url_for(".save", draft_id=draft_id), "check": url_for(".check", draft_id=draft_id),
            "deploy": url_for(".deploy", draft_id=draft_id), "preview": url_for(".preview_form")}
    data = {**view, "roles": list(ROLES), "stages": list(STAGES), "task_properties": task_rules.for_modeller(),
            "urls": urls}
    return render_template("modeller/edit.html", draft=view, data=data)


@bp.post("/drafts/<int:draft_id>/save")
def save(draft_id: int):
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    texts = {key: body.get(key) for key in ("bpmn", "title")}
    files = {key: body.get(key) or {} for key in ("dmn", "forms")}
    texts["opened_at"] = body.get("opened_at")  # the saved time of the draft the editor holds
    removed = body.get("removed_forms") or []
    if not all(v is None or isinstance(v, str) for v in texts.values()) or not all(
            isinstance(f, dict) and all(isinstance(t, str) for t in f.values()) for f in files.values()) \
            or not isinstance(removed, list) or not all(isinstance(n, str) for n in removed):
        raise BadRequest("Send the draft's files as JSON text: bpmn, dmn and forms by file name.")
    draft = write(lambda s: drafts.save_draft(s, user=signed_in_user(s), draft_id=draft_id, clock=clock(),
                                              **texts, **files, removed_forms=removed))
    return jsonify({"saved_at": drafts.saved_at(draft)})


@bp.post("/drafts/<int:draft_id>/check")
def check(draft_id: int):
    findings = write(lambda s: drafts.check_draft(s, user=signed_in_user(s), draft_id=draft_id, clock=clock()))
    return jsonify({"ok": not any(f["severity"] == "error" for f in findings), "findings": findings})


@bp.post("/drafts/<int:draft_id>/deploy")
def deploy(draft_id: int):
    def work(session: Session):
        outcome = drafts.deploy_draft(session, user=signed_in_user(session), draft_id=draft_id, clock=clock())
        return outcome, drafts.get_draft(session, user=signed_in_user(session), draft_id=draft_id).base_version_id
    outcome, base = write(work)
    if outcome.version is None:
        return jsonify({"deployed": False, "findings": outcome.findings}), 422
    version = outcome.version
    return jsonify({"deployed": True, "created": outcome.created, "findings": [],
                    "version": {"id": version.id, "key": version.key, "version": version.version},
                    "version_url": url_for("versions.show", version_id=version.id),
                    "migrate_url": url_for("migration.index", **{"from": base}) if base and base != version.id
                    else None})


@bp.get("/drafts/<int:draft_id>/bpmn")
def download_bpmn(draft_id: int):
    draft = read(lambda s: drafts.draft_view(drafts.get_draft(s, user=signed_in_user(s), draft_id=draft_id)))
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", draft["title"]).strip("_")[:80] or "diagram"
    return Response(draft["bpmn"], mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{name}.bpmn"'})


@bp.route("/drafts/<int:draft_id>/delete", methods=["GET", "POST"])
def delete(draft_id: int):
    if request.method != "POST":  # GET and HEAD only ask
        draft = read(lambda s: drafts.get_draft(s, user=signed_in_user(s), draft_id=draft_id))
        return render_template("modeller/delete.html", draft=draft)
    write(lambda s: drafts.delete_draft(s, user=signed_in_user(s), draft_id=draft_id))
    flash("Draft deleted.")
    return redirect(url_for("modeller.index"))


@bp.post("/preview-form")
def preview_form():
    """The form as reviewers will see it, drawn by the task pages' own macros, from the text typed so far."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    schema, problem = _parsed(body.get("schema"), "form")
    ui, ui_problem = _parsed(body.get("ui") or "{}", "UI schema")
    problem = problem or (schema_problem(schema) and f"The form {schema_problem(schema)}.") or ui_problem
    fields = []
    if not problem:
        try:  # a valid JSON Schema can still hold shapes the task pages do not draw (a `true` subschema)
            filled = fill_options(schema, data={}, directory=lambda source: [f"(choices from {source})"])
            fields = build_fields(filled, ui if isinstance(ui, dict) else {})
        except (AttributeError, TypeError, ValueError, KeyError) as exc:
            problem = f"The preview cannot draw this form: {exc}"
    page = render_template("modeller/_preview.html", schema={} if problem else schema, fields=fields, problem=problem)
    return page, 422 if problem else 200


def _parsed(text, what: str):
    if not isinstance(text, str):
        return None, f"Send the {what} as text."
    try:
        return json.loads(text), None
    except (ValueError, RecursionError) as exc:
        return None, f"The {what} is not valid JSON yet: {exc}."
