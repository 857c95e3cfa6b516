"""Proposing a challenge: an empty form first; the project starts only when it is submitted or saved as a draft."""
from __future__ import annotations

import secrets

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import login_required

from engine.errors import ValidationFailed
from engine.runtime import proposals
from web import task_forms
from web.services import clock, read, signed_in_user, write

bp = Blueprint("propose", __name__)
PROCESS = "six_gates"
STARTED = "proposals_started"  # in the session: each proposal form's one-time id -> where what it started is
KEPT = 20  # the latest proposals remembered: enough for any double click or resent form


@bp.context_processor
def _presentation():
    return {"humanise": task_forms.humanise, "columns": task_forms.columns}


def _first_form() -> proposals.FirstForm:
    return read(lambda s: proposals.first_form(s, user=signed_in_user(s), process_key=PROCESS, clock=clock()))


@bp.get("/projects/propose")
@login_required
def new():
    return _page(_first_form(), {})


@bp.post("/projects/propose")
@login_required
def create():
    first = _first_form()  # refuses people who may not propose before anything is read
    proposal = request.form.get("proposal", "")
    started = session.get(STARTED, {})
    if proposal in started:  # the same form sent again (a double click, a resent page): one project, not two
        return redirect(started[proposal])
    action = request.form.get("action", "submit")
    form = task_forms.without_row(request.form, action[7:]) if action.startswith("remove:") else request.form
    data, problems = task_forms.read_form(first.form or {}, form)
    if action == "save":
        task_id = write(lambda s: proposals.propose_draft(s, user=signed_in_user(s), process_key=PROCESS, data=data,
                                                          clock=clock()).id)
        flash("Draft saved. Your proposal is in your tasks until you submit it.")
        return redirect(_started(proposal, url_for("tasks.show", task_id=task_id)))
    if action != "submit":  # add or remove a row: the same answers again
        return _page(first, data, add_row=action[4:] if action.startswith("add:") else None)
    if problems:
        return _page(first, data, errors=problems)
    try:
        instance_id = write(lambda s: proposals.propose(s, user=signed_in_user(s), process_key=PROCESS, data=data,
                                                        clock=clock()).id)
    except ValidationFailed as error:
        return _page(first, data, errors=error.fields or {"_form": error.message})
    flash("Challenge proposed. The Hub team will define and score it next.")
    return redirect(_started(proposal, url_for("projects.show", instance_id=instance_id)))


def _started(proposal: str, where: str) -> str:
    """Remember where this proposal form's project is, so sending the form again leads there."""
    if proposal:
        kept = list(session.get(STARTED, {}).items())[-(KEPT - 1):]
        session[STARTED] = dict([*kept, (proposal, where)])
    return where


def _page(first: proposals.FirstForm, values: dict, *, errors: dict | None = None, add_row: str | None = None):
    errors = errors or {}
    fields = task_forms.build_fields(first.form, first.ui_schema, values, errors, add_row=add_row) \
        if first.form else []
    page = render_template("propose/new.html", first=first, fields=fields,
                           errors=task_forms.error_summary(fields, errors),
                           proposal=request.form.get("proposal") or secrets.token_urlsafe(16))
    return page, 422 if errors else 200
