"""The project page: where one project stands on its diagram, who holds what, and its history."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from engine.sixgates.project_page import project_view
from web.services import clock, read, signed_in_user
from web.task_forms import humanise

bp = Blueprint("projects", __name__)


@bp.context_processor
def _presentation():
    return {"humanise": humanise}


@bp.get("/projects/<int:instance_id>")
@login_required
def show(instance_id: int):
    project = read(lambda s: project_view(s, user=signed_in_user(s), instance_id=instance_id, now=clock().now()))
    return render_template("projects/show.html", project=project)
