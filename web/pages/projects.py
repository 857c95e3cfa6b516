"""The project page: where one project stands on its diagram, who holds what, and its history."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template
from flask_login import login_required
from sqlalchemy.orm import Session

from engine import policy
from engine.repository.deployments import forms_of
from engine.runtime.instance_queries import events_as_read
from engine.runtime.instances import get_instance
from engine.sixgates.project_page import project_view
from engine.store.models import ProcessInstance, User
from web.project_answers import ProjectAnswers
from web.services import clock, read, signed_in_user

bp = Blueprint("projects", __name__)
# The event that put a project in each halted status: the banner says since when and why.
HALTED_BY = {"on_hold": "instance_held", "withdrawn": "instance_withdrawn", "stopped": "instance_stopped"}


@bp.get("/projects/<int:instance_id>")
@login_required
def show(instance_id: int):
    def work(session: Session):
        me = signed_in_user(session)
        project = project_view(session, user=me, instance_id=instance_id, now=clock().now())
        instance = get_instance(session, user=me, instance_id=instance_id)
        answers = ProjectAnswers(forms_of(instance.process_version).values(), project["people"])
        return project, answers, _halted(session, me, instance), policy.may_withdraw_now(me, instance)

    project, answers, halted, may_withdraw = read(work)
    return render_template("projects/show.html", project=project, answers=answers, halted=halted,
                           may_withdraw=may_withdraw)


def _halted(session: Session, user: User, instance: ProcessInstance) -> dict | None:
    """Since when, by whom and why a project is on hold, withdrawn or stopped, as the reader may read its record."""
    kind = HALTED_BY.get(instance.status)
    if kind is None:
        return None
    events = events_as_read(session, user, instance, policy.reader_for(user, instance))
    event = next((e for e in reversed(events) if e["kind"] == kind), None)
    if event is None:
        return {"at": None, "reason": ""}
    return {"at": datetime.fromisoformat(event["at"]), "reason": (event.get("data") or {}).get("reason", "")}
