"""A project's history: every audit event as a timeline, and step-through replay on its diagram."""
from __future__ import annotations

import time

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from engine.history import timeline
from engine.store.models import User
from engine.store.trail import record_access
from web.services import clock, read, write

bp = Blueprint("history", __name__, url_prefix="/projects")


def _me(session) -> User:
    return session.get(User, current_user.user.id)


@bp.get("/<int:instance_id>/history")
@login_required
def show(instance_id: int):
    """The timeline, filtered by ?kind= and ?actor=; the replay steps through every event."""
    kind, actor = request.args.get("kind") or None, request.args.get("actor") or None
    started = time.perf_counter()
    history = read(lambda s: timeline.project_history(s, user=_me(s), instance_id=instance_id,
                                                          kind=kind, actor=actor))
    seconds = time.perf_counter() - started
    write(lambda s: record_access(s, user=_me(s), at=clock().now(), what="history", instance_id=instance_id))
    return render_template("history/show.html", history=history, kind=kind, actor=actor, seconds=seconds)
