"""Changing a project's status beyond its diagram: the Hub team puts it on hold, resumes it or stops it; its
sponsor withdraws a challenge before Gate 1. Each is a page that asks for the reason (and is the confirmation
step), and a POST that calls engine.runtime.lifecycle, which decides and records."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy.orm import Session

from engine import policy
from engine.errors import Forbidden, ServiceError
from engine.kernel.stages import stage_name
from engine.runtime import lifecycle
from engine.runtime.instances import get_instance
from engine.store.models import ProcessInstance, User
from web.errors import status_of
from web.services import clock, read, signed_in_user, write

bp = Blueprint("lifecycle", __name__, url_prefix="/projects/<int:instance_id>")


@dataclass(frozen=True)
class Change:
    heading: str
    button: str
    done: str  # the message after it is done
    change: Callable  # the engine's service function
    may: Callable[[User, ProcessInstance], bool]  # policy's answer, asked before the page is shown
    refused: str
    from_statuses: tuple[str, ...]
    reason_required: bool = True
    ends_it: bool = False  # cannot be undone: its open tasks are cancelled
    before_gate1: bool = False  # only while policy.may_still_withdraw


def _steward(user: User, _instance: ProcessInstance) -> bool:
    return policy.may_steward(user)


# A project's status as the page says it ("This project is on hold").
STEWARDS_ONLY = "Only the Hub team can hold, resume or stop a project."
CHANGES = {
    "hold": Change("Put this project on hold", "Put on hold", "The project is on hold: its tasks cannot be done "
                   "and its timers wait until it is resumed.", lifecycle.hold, _steward, STEWARDS_ONLY,
                   ("running",)),
    "resume": Change("Resume this project", "Resume the project", "The project has resumed: its tasks can be done "
                     "again.", lifecycle.resume, _steward, STEWARDS_ONLY, ("on_hold",), reason_required=False),
    "stop": Change("Stop this project", "Yes, stop this project", "The project is stopped.", lifecycle.stop,
                   _steward, STEWARDS_ONLY, ("running", "on_hold"), ends_it=True),
    "withdraw": Change("Withdraw this challenge", "Yes, withdraw this challenge", "The challenge is withdrawn.",
                       lifecycle.withdraw, policy.may_withdraw,
                       "Only the sponsor who proposed this challenge can withdraw it.", ("running", "on_hold"),
                       ends_it=True, before_gate1=True),
}


def _project(session: Session, instance_id: int, change: Change) -> dict:
    """The project as the page shows it, once policy lets this person make the change (else 404 or 403)."""
    me = signed_in_user(session)
    instance = get_instance(session, user=me, instance_id=instance_id)
    if not change.may(me, instance):
        raise Forbidden(change.refused)
    possible = instance.status in change.from_statuses and (
        not change.before_gate1 or policy.may_still_withdraw(instance))
    return {"id": instance.id, "title": instance.title, "status": instance.status, "possible": possible,
            "stage_name": stage_name(instance.stage) if instance.stage else ""}


def _page(action: str, instance_id: int):
    change = CHANGES[action]
    project = read(lambda s: _project(s, instance_id, change))
    if request.method == "GET":
        return _render(action, change, project)
    reason = request.form.get("reason", "")
    try:
        write(lambda s: change.change(s, user=signed_in_user(s), instance_id=instance_id, reason=reason,
                                      clock=clock()))
    except ServiceError as exc:
        if status_of(exc) in (403, 404):
            raise
        return _render(action, change, project, error=exc, reason=reason), status_of(exc)
    flash(change.done)
    return redirect(url_for("projects.show", instance_id=instance_id))


def _render(action: str, change: Change, project: dict, error: ServiceError | None = None, reason: str = ""):
    return render_template("lifecycle/change.html", action=action, change=change, project=project, reason=reason,
                           error=error.message if error else None, errors=error.fields if error else {})


@bp.route("/hold", methods=["GET", "POST"])
@login_required
def hold(instance_id: int):
    return _page("hold", instance_id)


@bp.route("/resume", methods=["GET", "POST"])
@login_required
def resume(instance_id: int):
    return _page("resume", instance_id)


@bp.route("/stop", methods=["GET", "POST"])
@login_required
def stop(instance_id: int):
    return _page("stop", instance_id)


@bp.route("/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(instance_id: int):
    return _page("withdraw", instance_id)
