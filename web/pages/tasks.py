"""Task pages: a signed-in person does their part of the procedure on a form built from its schema."""
from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import Session

from engine import policy
from engine.errors import Conflict, ServiceError, ValidationFailed
from engine.identity.accounts import get_user
from engine.kernel.stages import stage_name
from engine.repository.deployments import forms_of
from engine.repository.forms import ends_project
from engine.runtime import instance_queries
from engine.store.models import ProcessInstance
from engine.tasks import claims, completion, decisions, queries
from web import task_forms
from web.form_words import FormWords
from web.pages.reassignment import last_reassignment
from web.services import clock, read, signed_in_user, write

bp = Blueprint("tasks", __name__)

FORM_CONTROLS = ("csrf_token", "action", "confirm")
_WORDS: dict[str, FormWords] = {}  # content hash -> the version's form words: versions never change
PERSON_LISTS = ("board_members", "members_not_scored", "members_to_score")  # project data naming people by username


@bp.context_processor
def _presentation():
    return {"humanise": task_forms.humanise, "columns": task_forms.columns, "stage_name": stage_name,
            "lead_heading": decisions.lead_heading}


def _load(task_id: str) -> tuple[queries.TaskDetail, str | None]:
    """The task, and why this person may not act on it (None when they may)."""
    def work(session: Session):
        me = signed_in_user(session)
        detail = queries.get_task(session, user=me, task_id=task_id)
        return detail, policy.may_act_on(me, detail.task) if detail.task.state == "ready" else None
    return read(work)


@bp.get("/tasks/<task_id>")
@login_required
def show(task_id: str):
    detail, blocked = _load(task_id)
    if detail.draft:
        return _page(detail, blocked, detail.draft, from_draft=True)
    # A form reached again (a deferral, a re-opened call, rework) starts from the answers given last time.
    return _page(detail, blocked, detail.carried.answers if detail.carried else {}, carried=detail.carried)


@bp.post("/tasks/<task_id>")
@login_required
def act(task_id: str):
    action = request.form.get("action", "submit")
    detail, blocked = _load(task_id)
    if detail.form is None:
        flash(f"{detail.task.title} is no longer open.", "error")
        return redirect(url_for("inbox.index"))
    form = task_forms.without_row(request.form, action[7:]) if action.startswith("remove:") else request.form
    data, problems = task_forms.read_form(detail.form, form)
    if action == "save":
        write(lambda s: claims.save_draft(s, user=signed_in_user(s), task_id=task_id, data=data, clock=clock()))
        flash("Draft saved. You can come back to it later.")
        return redirect(url_for("tasks.show", task_id=task_id))
    if action != "submit":  # add or remove a row, or back from the confirmation: the same answers again
        return _page(detail, blocked, data, add_row=action[4:] if action.startswith("add:") else None)
    return _submit(detail, blocked, data, problems)


def _submit(detail: queries.TaskDetail, blocked: str | None, data: dict, problems: dict[str, str]):
    """The engine's completion, its refusals (who may act, the answers' errors) shown as they come. While the page
    must first show answers it could not read, or ask whether to end the project, the engine only checks the
    answers (changing nothing), so the question is asked only of answers that would go."""
    # Answers the form marks as ending the project are asked about a second time before they count.
    asking = ends_project(detail.form, data, detail.context) and request.form.get("confirm") != "yes"
    try:
        if problems or asking:
            read(lambda s: completion.check_answers(s, user=signed_in_user(s), task_id=detail.task.id, data=data,
                                                    clock=clock()))
            if problems:
                detail, blocked = _keep_as_draft(detail, blocked, data)
            return _page(detail, blocked, data, errors=problems, confirming=not problems)
        titles, closed = write(lambda s: _complete(s, detail, data))
    except ValidationFailed as error:
        detail, blocked = _keep_as_draft(detail, blocked, data)
        return _page(detail, blocked, data, errors={**(error.fields or {"_form": error.message}), **problems})
    except Conflict as error:
        flash(error.message, "error")
        return redirect(url_for("inbox.index"))
    flash(_submitted(detail.task.title, titles, closed))
    return redirect(url_for("inbox.index"))


def _keep_as_draft(detail: queries.TaskDetail, blocked: str | None,
                   data: dict) -> tuple[queries.TaskDetail, str | None]:
    """A refused submission is kept as the draft, so leaving and coming back shows what was typed. A draft is
    its author's, so the task is now theirs: the page is drawn from the task as it now is, saying so."""
    try:
        write(lambda s: claims.save_draft(s, user=signed_in_user(s), task_id=detail.task.id, data=data,
                                          clock=clock()))
    except ServiceError:
        return detail, blocked  # not theirs to keep (claimed meanwhile by someone else): the page shows the answers
    return _load(detail.task.id)


def _complete(session: Session, detail: queries.TaskDetail, data: dict) -> tuple[list[str], bool]:
    me = signed_in_user(session)
    ready = completion.complete_task(session, user=me, task_id=detail.task.id, data=data, clock=clock())
    instance = session.get(ProcessInstance, detail.instance.id)
    shown = instance_queries.tasks_as_read(session, user=me, rows=ready)  # not the tasks kept from them
    return [t["title"] for t in shown], instance.status == "completed"


def _submitted(title: str, next_titles: list[str], closed: bool) -> str:
    if closed:
        return f"{title} submitted. The project is now closed."
    if next_titles:
        return f"{title} submitted. The project moves on to: {', '.join(dict.fromkeys(next_titles))}."
    return f"{title} submitted."


def _page(detail: queries.TaskDetail, blocked: str | None, values: dict, *, errors: dict | None = None,
          add_row: str | None = None, confirming: bool = False, from_draft: bool = False,
          carried: decisions.CarriedAnswers | None = None):
    errors, words = errors or {}, _words_of(detail)
    fields = task_forms.build_fields(detail.form, detail.ui_schema, values, errors, context=detail.context,
                                     add_row=add_row) if detail.form else []
    kept = [(k, v) for k, v in request.form.items(multi=True) if k not in FORM_CONTROLS] if confirming else []
    page = render_template("tasks/show.html", detail=detail, blocked=blocked, fields=fields,
                           errors=task_forms.error_summary(fields, errors), confirming=confirming, kept=kept,
                           from_draft=from_draft, carried=carried, now=clock().now(), me=current_user.user,
                           label=_labeller(detail, words), words=words, money_keys=words.money_keys,
                           person_lists=PERSON_LISTS,
                           **read(lambda s: _people(s, detail)))
    return page, 422 if errors else 200


def _people(session: Session, detail: queries.TaskDetail) -> dict:
    """Who holds, completed or was last given the task, by name as the reader may know them."""
    def name(username: str | None) -> str | None:
        person = get_user(session, username) if username else None
        return person.display_name if person else username
    ctx = detail.context
    members = [m for key in PERSON_LISTS for m in (ctx.get(key) or []) if isinstance(m, str)]
    members += [s.get("board_member") for s in ctx.get("board_scores") or [] if isinstance(s, dict)]
    return {"names": {k: name(v) for k, v in detail.people.items()},
            "person": {m: name(m) for m in members if m},
            "reassigned": last_reassignment(session, signed_in_user(session), detail.task)}


def _labeller(detail: queries.TaskDetail, words: FormWords):
    """A project data key as the forms (or the diagram's data) title it."""
    return lambda key: detail.labels.get(key) or words.label(key)


def _words_of(detail: queries.TaskDetail) -> FormWords:
    """The words of the forms of the project's version, for its answers shown on the page."""
    version = detail.instance.process_version
    if version.content_hash not in _WORDS:
        _WORDS[version.content_hash] = FormWords(f for f in forms_of(version).values() if isinstance(f, dict))
    return _WORDS[version.content_hash]


@bp.post("/tasks/<task_id>/claim")
@login_required
def claim(task_id: str):
    try:
        write(lambda s: claims.claim_task(s, user=signed_in_user(s), task_id=task_id, clock=clock()))
        flash("You have claimed this task. Others can see it, but only you can do it until you release it.")
    except Conflict as error:
        flash(error.message, "error")
    return redirect(_back_to(task_id))


@bp.post("/tasks/<task_id>/release")
@login_required
def release(task_id: str):
    write(lambda s: claims.release_task(s, user=signed_in_user(s), task_id=task_id, clock=clock()))
    flash("Task released. Anyone with the role can now do it.")
    return redirect(_back_to(task_id))


def _back_to(task_id: str) -> str:
    """The `next` field when it is a path on this site, else the task page."""
    target = request.form.get("next", "")
    parts = urlparse(target)
    if target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and not parts.scheme and not parts.netloc:
        return target
    return url_for("tasks.show", task_id=task_id)
