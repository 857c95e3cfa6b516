"""The inbox: every task the signed-in user may act on now, soonest due first."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select

from engine import policy
from engine.kernel.stages import STAGES, stage_name
from engine.notices.kinds import DEFAULT_DUE_SOON_LEAD
from engine.policy import ROLES
from engine.runtime import instances
from engine.store.models import User
from engine.tasks import queries
from web.services import clock, read, signed_in_user, write

bp = Blueprint("inbox", __name__)
# Templates ask policy (the menu on every page, buttons) instead of reading roles.
bp.add_app_template_global(policy, "policy")
PAGE_SIZE = 25
PROCESS = "six_gates"


@bp.get("/")
def home():
    return redirect(url_for("inbox.index"))


@bp.get("/inbox")
@login_required
def index():
    stage = request.args.get("stage") or None
    role = request.args.get("role") or None
    page = max(1, request.args.get("page", 1, type=int))

    def work(session):
        user = signed_in_user(session)
        rows = queries.list_tasks(session, user=user, stage=stage if stage in STAGES else None,
                                  role=role if role in ROLES else None,
                                  limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
        holders = {t.claimed_by for t in rows if t.claimed_by}
        names = dict(session.execute(select(User.username, User.display_name)
                                     .where(User.username.in_(holders))).all()) if holders else {}
        return user, rows, queries.instance_titles(session, rows), names

    user, rows, titles, names = read(work)
    return render_template("inbox/index.html", tasks=rows[:PAGE_SIZE], titles=titles, user=user, names=names,
                           now=clock().now(), due_soon=DEFAULT_DUE_SOON_LEAD, stages=STAGES, stage_name=stage_name,
                           roles=sorted(user.roles), stage=stage, role=role, page=page,
                           has_next=len(rows) > PAGE_SIZE)


@bp.post("/projects/new")
@login_required
def start_project():
    """Propose a challenge: start a project and go straight to its first task."""
    def work(session):
        user = signed_in_user(session)
        instance = instances.start_instance(session, user=user, process_key=PROCESS, clock=clock())
        session.flush()
        return queries.list_tasks(session, user=user, instance_id=instance.id, limit=1)

    first = write(work)
    if first:
        return redirect(url_for("tasks.show", task_id=first[0].id))
    return redirect(url_for("inbox.index"))
