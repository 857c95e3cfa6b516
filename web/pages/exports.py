"""Downloads of the audit trail for auditors: XES for process mining, CSV and JSON."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import login_required

from engine.errors import BadRequest
from engine.history import audit_export
from web.services import clock, read, read_and_record, signed_in_user

bp = Blueprint("exports", __name__, url_prefix="/audit/export")


def instance_arg(args) -> int | None:
    """`?instance=<id>`: one project's history; absent or empty: every project's."""
    value = (args.get("instance") or "").strip()
    if not value:
        return None
    try:
        if len(value) > 9:
            raise ValueError(value)
        return int(value)
    except ValueError:
        raise BadRequest("Choose a project by its number.", fields={"instance": "not a project number"}) from None


@bp.get("")
@login_required
def index():
    projects = read(lambda s: audit_export.exportable_projects(s, user=signed_in_user(s)))
    return render_template("exports/index.html", projects=projects)


@bp.get(f"/<any({', '.join(audit_export.FORMATS)}):fmt>")
@login_required
def download(fmt: str):
    instance_id = instance_arg(request.args)
    lifecycle = request.args.get("lifecycle") or "complete"
    export = read_and_record(lambda s: audit_export.download(
        s, user=signed_in_user(s), fmt=fmt, instance_id=instance_id, lifecycle=lifecycle, clock=clock()))
    filename = audit_export.dated(export.filename, clock().now().date())
    return Response(export.body, content_type=export.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})
