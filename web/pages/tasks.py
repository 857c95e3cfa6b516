"""Task pages: a signed-in person does their part of the procedure on a form built from its schema, files too.

Files sent with a form are uploaded in the same transaction as what the form does: the completion (nothing is
kept if it fails), the draft, or, when the page must be drawn again, on their own as the uploader's drafts, so a
chosen file is never lost to a refusal, a new row or the "are you sure?" question."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge

from engine import policy
from engine.documents.references import references_to_show
from engine.errors import Conflict, ServiceError, TooLarge, ValidationFailed
from engine.identity.accounts import get_user
from engine.kernel.stages import stage_name
from engine.repository.deployments import forms_of
from engine.repository.file_fields import MB, file_fields
from engine.repository.forms import ends_project
from engine.runtime import instance_queries
from engine.store.models import ProcessInstance, Task
from engine.tasks import claims, completion, decisions, queries
from engine.tasks.uploads import Files, add_uploads
from web import task_forms
from web.file_responses import allow_file_uploads, largest_upload_request, upload_limits
from web.form_reading import REMOVE
from web.form_words import FormWords
from web.pages.reassignment import last_reassignment
from web.services import clock, path_on_this_site, read, signed_in_user, write

bp = Blueprint("tasks", __name__)

FORM_CONTROLS = ("csrf_token", "action", "confirm")
_WORDS: dict[str, FormWords] = {}  # content hash -> the version's form words: versions never change
PERSON_LISTS = ("board_members", "members_not_scored", "members_to_score")  # project data naming people by username


@bp.context_processor
def _presentation():
    return {"humanise": task_forms.humanise, "columns": task_forms.columns, "stage_name": stage_name,
            "lead_heading": decisions.lead_heading}


@bp.url_value_preprocessor
def _larger_requests_for_files(endpoint: str | None, values: dict | None) -> None:
    # before web.odd_input reads the form: multipart only (urlencoded keeps the app's limit), and only for someone
    # signed in, so nobody can make the server take in a body it will refuse
    if endpoint == "tasks.act" and current_user.is_authenticated:
        allow_file_uploads((values or {}).get("task_id"))


@bp.errorhandler(TooLarge)
@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    """A form sent with more than a request may carry: the task page again, saying so, with nothing kept."""
    task_id = (request.view_args or {}).get("task_id")
    message = (f"The files were too large to send together: a form can carry up to {largest_upload_request() // MB} MB "
               "at once. Nothing was saved. Send fewer or smaller files (you can save a draft between them).")
    if request.endpoint != "tasks.act" or not task_id or not current_user.is_authenticated:
        return render_template("error.html", status=413, message=message), 413
    detail, blocked = _load(task_id)
    where = next(iter(file_fields(detail.form or {})), "_form")
    values = detail.draft or (detail.carried.answers if detail.carried else {})
    page, _status = _page(detail, blocked, values, errors={where: message})
    return page, 413


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
    files = _files_sent(detail.form)
    if action == "save":
        return _save(detail, blocked, data, files)
    if action != "submit":  # add or remove a row, or back from the confirmation: the same answers again
        data, refused = write(lambda s: _upload(s, detail, data, files)) if files else (data, {})
        return _page(detail, blocked, data, errors=refused, add_row=action[4:] if action.startswith("add:") else None)
    return _submit(detail, blocked, data, problems, files)


def _submit(detail: queries.TaskDetail, blocked: str | None, data: dict, problems: dict[str, str], files: Files):
    """The engine's completion (with the files sent, in its transaction), its refusals (who may act, the answers'
    errors) shown as they come, the answers and files kept as the draft."""
    # Answers the form marks as ending the project are asked about a second time before they count.
    asking = ends_project(detail.form, data, detail.context) and request.form.get("confirm") != "yes"
    try:
        if problems or asking:
            return _check_first(detail, blocked, data, problems, files)
        titles, closed = write(lambda s: _complete(s, detail, data, files))
    except ValidationFailed as error:
        detail, blocked, data, refused = _keep_as_draft(detail, blocked, data, files)
        return _page(detail, blocked, data, errors={**(error.fields or {"_form": error.message}), **problems,
                                                    **refused})
    except Conflict as error:
        flash(error.message, "error")
        return redirect(url_for("inbox.index"))
    flash(_submitted(detail.task.title, titles, closed))
    return redirect(url_for("inbox.index"))


def _check_first(detail: queries.TaskDetail, blocked: str | None, data: dict, problems: dict[str, str],
                 files: Files):
    """The page must first show answers it could not read, or ask whether to end the project: the engine only
    checks the answers (changing nothing), so the question is asked only of answers that would go. The files sent
    are kept first (with the draft when answers are refused), so the check counts them and the page lists them."""
    if problems:
        detail, blocked, data, refused = _keep_as_draft(detail, blocked, data, files)
    else:
        data, refused = write(lambda s: _upload(s, detail, data, files)) if files else (data, {})
    errors = {**problems, **refused}
    try:
        read(lambda s: completion.check_answers(s, user=signed_in_user(s), task_id=detail.task.id, data=data,
                                                clock=clock()))
    except ValidationFailed as error:
        errors = {**(error.fields or {"_form": error.message}), **errors}
    if errors and not problems:  # refused now: kept as the draft, as any refused submission is
        detail, blocked, data, _ = _keep_as_draft(detail, blocked, data, {})
    return _page(detail, blocked, data, errors=errors, confirming=not errors)


def _save(detail: queries.TaskDetail, blocked: str | None, data: dict, files: Files):
    data, refused = write(lambda s: _upload_and_keep(s, detail, data, files))
    flash("Draft saved. You can come back to it later.")
    if refused:  # the files refused say why, on the page
        detail, blocked = _load(detail.task.id)
        return _page(detail, blocked, data, errors=refused)
    return redirect(url_for("tasks.show", task_id=detail.task.id))


def _keep_as_draft(detail: queries.TaskDetail, blocked: str | None, data: dict,
                   files: Files) -> tuple[queries.TaskDetail, str | None, dict, dict[str, str]]:
    """A refused submission is kept as the draft, with the files it sent, so leaving and coming back shows what
    was typed and given. A draft is its author's, so the task is now theirs: the page is drawn from the task as it
    now is, saying so. Also the answers as kept, and why any file sent was refused."""
    try:
        data, refused = write(lambda s: _upload_and_keep(s, detail, data, files))
    except ServiceError:  # not theirs to keep (claimed meanwhile by someone else): the page shows the answers
        return detail, blocked, data, {}
    return *_load(detail.task.id), data, refused


def _upload_and_keep(session: Session, detail: queries.TaskDetail, data: dict,
                     files: Files) -> tuple[dict, dict[str, str]]:
    data, refused = _upload(session, detail, data, files)
    claims.save_draft(session, user=signed_in_user(session), task_id=detail.task.id, data=data, clock=clock())
    return data, refused


def _files_sent(schema: dict | None) -> Files:
    """The files sent with the form, by file field (a file input left empty sends a part with no name)."""
    sent = {}
    for key in file_fields(schema or {}):
        found = [(part.filename, part.read()) for part in request.files.getlist(key) if part.filename]
        if found:
            sent[key] = found
    return sent


def _upload(session: Session, detail: queries.TaskDetail, data: dict, files: Files) -> tuple[dict, dict[str, str]]:
    """`data` with the ids of the files sent joining their fields' kept ids, and why any file was refused (its
    size, its kind read from its bytes, or the project on hold): nothing is kept of a refused file."""
    data, refused = add_uploads(session, user=signed_in_user(session), task_id=detail.task.id, data=data,
                                files=files, limits=upload_limits(), clock=clock())
    return data, {field: (error.fields or {}).get(field, error.message) for field, error in refused}


def _complete(session: Session, detail: queries.TaskDetail, data: dict, files: Files) -> tuple[list[str], bool]:
    me = signed_in_user(session)
    data, refused = _upload(session, detail, data, files)
    if refused:  # every answer's error at once, not the files' alone; nothing of this transaction is kept
        raise ValidationFailed("Some answers need attention.", fields={**_answer_errors(session, detail, data),
                                                                        **refused})
    ready = completion.complete_task(session, user=me, task_id=detail.task.id, data=data, clock=clock())
    instance = session.get(ProcessInstance, detail.instance.id)
    shown = instance_queries.tasks_as_read(session, user=me, rows=ready)  # not the tasks kept from them
    return [t["title"] for t in shown], instance.status == "completed"


def _answer_errors(session: Session, detail: queries.TaskDetail, data: dict) -> dict[str, str]:
    try:
        completion.check_answers(session, user=signed_in_user(session), task_id=detail.task.id, data=data,
                                 clock=clock())
    except ValidationFailed as error:
        return error.fields or {}
    return {}


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
    if detail.form and file_fields(detail.form):
        values = read(lambda s: _with_file_references(s, detail, values))
    fields = task_forms.build_fields(detail.form, detail.ui_schema, values, errors, context=detail.context,
                                     add_row=add_row, upload_limit=upload_limits().max_bytes) if detail.form else []
    page = render_template("tasks/show.html", detail=detail, blocked=blocked, fields=fields,
                           errors=task_forms.error_summary(fields, errors), confirming=confirming,
                           kept=_kept(detail, values) if confirming else [],
                           with_files=any(f.widget == "file" for f in task_forms.all_fields(fields)),
                           from_draft=from_draft, carried=carried, now=clock().now(), me=current_user.user,
                           label=_labeller(detail, words), words=words, money_keys=words.money_keys,
                           person_lists=PERSON_LISTS,
                           **read(lambda s: _people(s, detail)))
    return page, 422 if errors else 200


def _kept(detail: queries.TaskDetail, values: dict) -> list[tuple[str, str]]:
    """The answers the confirmation sends again: as posted, but a file field's files by the ids now holding them
    (those just uploaded too)."""
    files = file_fields(detail.form or {})
    posted = [(k, v) for k, v in request.form.items(multi=True) if k not in FORM_CONTROLS and k not in files
              and not (k.endswith(REMOVE) and k.removesuffix(REMOVE) in files)]
    return posted + [(key, str(ref["document"])) for key in files for ref in values.get(key) or []
                     if isinstance(ref, dict)]


def _with_file_references(session: Session, detail: queries.TaskDetail, values: dict) -> dict:
    return references_to_show(session, user=signed_in_user(session), task=session.get(Task, detail.task.id),
                              instance=session.get(ProcessInstance, detail.instance.id), schema=detail.form,
                              data=values)


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
    return path_on_this_site(request.form.get("next", "")) or url_for("tasks.show", task_id=task_id)
