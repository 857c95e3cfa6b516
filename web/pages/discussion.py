"""A project's discussion: comments, mentions and internal notes. The thread is drawn by discussion/_thread.html
on the project page and beside a task's form (both include it), from `discussion_of(...)`, which this blueprint
gives every template; posting comes here and returns to the page it came from."""
from __future__ import annotations

import re
from urllib.parse import urlparse

from flask import Blueprint, current_app, flash, g, make_response, redirect, request, url_for
from flask_login import login_required
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from engine.discussion import comments, reading
from engine.discussion.audiences import from_choice
from engine.errors import ValidationFailed
from web.odd_input import bounded_int
from web.services import clock, path_on_this_site, read, signed_in_user, write

bp = Blueprint("discussion", __name__)
# The pages a refused comment is shown again on, with what was typed (any other page: a redirect).
THREAD_PAGES = {"projects.show", "tasks.show"}
# A web address in a comment: http or https only, so no other scheme ever becomes a link.
LINK = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
NOT_PART_OF_A_LINK = ".,;:!?)]}'"  # punctuation that ends a sentence after an address


@bp.app_context_processor
def _thread_for_templates() -> dict:
    return {"discussion_of": discussion_of}


@bp.app_template_filter("comment_text")
def comment_text(text: str) -> Markup:
    """A comment's plain text, escaped, with its web addresses as links that pass nothing on to the site."""
    parts, last = [], 0
    for match in LINK.finditer(text):
        url = match.group(0).rstrip(NOT_PART_OF_A_LINK)
        end = match.start() + len(url)
        parts += [escape(text[last:match.start()]),
                  Markup('<a href="{0}" rel="noopener noreferrer nofollow">{0}</a>').format(url)]
        last = end
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def discussion_of(instance_id: int, task_id: str | None = None) -> dict:
    """The thread as the signed-in user may read it, and the form as they left it when a post was refused."""
    thread = read(lambda s: reading.thread_of(s, user=signed_in_user(s), instance_id=instance_id, task_id=task_id))
    refused = g.get("discussion_refused") or {}
    return {"thread": thread, "form": refused, "errors": refused.get("errors", {}),
            "next": refused.get("next") or request.path}


@bp.post("/projects/<int:instance_id>/comments")
@login_required
def post(instance_id: int):
    form, back = request.form, _back_to(instance_id)
    visibility, organisation = from_choice(form.get("audience"))
    supersedes = bounded_int(form.get("supersedes") or None, "supersedes", low=1)
    try:
        write(lambda s: comments.post_comment(
            s, user=signed_in_user(s), instance_id=instance_id, body=form.get("body", ""),
            visibility=visibility or None, organisation=organisation, supersedes=supersedes,
            task_id=form.get("task_id") or None, clock=clock()))
    except ValidationFailed as error:
        return _refused(error, back, supersedes)
    flash("Comment posted.")
    return redirect(f"{back}#discussion")


def _refused(error: ValidationFailed, back: str, supersedes: int | None):
    """The page the comment came from again, with the problem and what was typed (nothing is lost)."""
    flash(error.message, "error")
    g.discussion_refused = {"body": request.form.get("body", ""), "audience": request.form.get("audience", ""),
                            "supersedes": supersedes, "errors": error.fields, "next": back}
    try:
        rule, args = current_app.url_map.bind_to_environ(request.environ).match(
            urlparse(back).path, "GET", return_rule=True)
    except HTTPException:  # a page that is not one of ours, or not a page
        return redirect(f"{back}#discussion")
    if rule.endpoint not in THREAD_PAGES:
        return redirect(f"{back}#discussion")
    request.url_rule, request.view_args = rule, args  # that page's blueprint draws it (its template helpers)
    response = make_response(current_app.view_functions[rule.endpoint](**args))
    response.status_code = 422
    return response


def _back_to(instance_id: int) -> str:
    """The `next` field when it is a path on this site, else the project page."""
    return path_on_this_site(request.form.get("next", "")) or url_for("projects.show", instance_id=instance_id)
