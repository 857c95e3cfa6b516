"""Reassigning an open task: the Hub team (and admins) give it to another person who may do it, with a reason.
The page lists those people; engine.tasks.reassignment decides, records and tells the new holder."""
from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy.orm import Session

from engine import policy
from engine.errors import Forbidden, ServiceError
from engine.identity.accounts import get_user
from engine.notices.handover import refusal
from engine.notices.recipients import Person, people_for
from engine.store.models import ProcessInstance, Task, User
from engine.tasks import reassignment
from engine.tasks.access import load_task
from web.errors import status_of
from web.services import clock, path_on_this_site, read, signed_in_user, write

bp = Blueprint("reassignment", __name__)
# A task that is not open, as the page says why it cannot be reassigned.
STATE_WORDS = {"completed": "done", "cancelled": "cancelled", "waiting": "not open yet"}


def last_reassignment(session: Session, user: User, task: Task) -> dict | None:
    """When the task was last given to someone else, and why; the names only for readers inside the Hub."""
    move = reassignment.last_reassignment(session, task)
    if move is None:
        return None
    data = json.loads(move.data_json)
    named = policy.is_internal(user) or data.get("to") == user.username
    return {"at": move.at, "reason": data.get("reason", ""), "delegated": bool(data.get("delegated")),
            "from": _name(session, data.get("from")) if named and data.get("from") else None,
            "to": ("you" if data.get("to") == user.username else _name(session, data.get("to"))) if named else None}


def _name(session: Session, username: str | None) -> str:
    person = get_user(session, username) if username else None
    return person.display_name if person else (username or "nobody in particular")


def _candidates(session: Session, task: Task, instance: ProcessInstance) -> list[Person]:
    """Active people of the task's lane who may be given it (engine.notices.handover.refusal says who may not)."""
    holder = task.claimed_by or task.assignee
    lane = people_for(session, roles=[task.role])
    return sorted((u for u in lane if u.username != holder and refusal(session, task, instance, u) is None),
                  key=lambda u: u.display_name.lower())


def _view(session: Session, task_id: str) -> dict:
    me = signed_in_user(session)
    task, instance = load_task(session, user=me, task_id=task_id)
    if not policy.may_reassign(me):
        raise Forbidden("Only the Hub team or an administrator can reassign a task.")
    holder = task.claimed_by or task.assignee
    return {"task": {"id": task.id, "title": task.title, "role": task.role, "state": task.state,
                     "may_open": policy.may_open_task(me, task)},
            "project": {"id": instance.id, "title": instance.title},
            "holder": _name(session, holder) if holder else None,
            "people": [(u.username, u.display_name) for u in _candidates(session, task, instance)]
            if task.state == "ready" else [], "last": last_reassignment(session, me, task)}


@bp.route("/tasks/<task_id>/reassign", methods=["GET", "POST"])
@login_required
def reassign(task_id: str):
    view = read(lambda s: _view(s, task_id))
    if request.method == "GET":
        return render_template("reassignment/reassign.html", **view, values={"next": request.args.get("next", "")},
                               errors={}, error=None, state_words=STATE_WORDS)
    values = {key: request.form.get(key, "") for key in ("to", "reason", "next")}
    try:
        name = write(lambda s: _name(s, reassignment.reassign_task(
            s, user=signed_in_user(s), task_id=task_id, to=values["to"], reason=values["reason"],
            clock=clock()).assignee))
    except ServiceError as exc:
        if status_of(exc) in (403, 404):
            raise
        return render_template("reassignment/reassign.html", **view, values=values, errors=exc.fields,
                               error=exc.message, state_words=STATE_WORDS), status_of(exc)
    flash(f"{view['task']['title']} is now {name}'s. They have been told, with your reason.")
    return redirect(path_on_this_site(request.form.get("next", "")) or (
        url_for("tasks.show", task_id=task_id) if view["task"]["may_open"]
        else url_for("projects.show", instance_id=view["project"]["id"])))


