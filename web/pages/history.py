"""A project's history: every audit event as a timeline, and step-through replay on its diagram."""
from __future__ import annotations

import time

from flask import Blueprint, render_template, request, url_for
from flask_login import login_required

from engine.history import timeline
from engine.history.rule_reports.trail import display_names
from engine.repository.deployments import forms_of
from engine.store.models import ProcessVersion
from web.project_answers import ProjectAnswers
from web.services import clock, read, read_and_record, signed_in_user

bp = Blueprint("history", __name__, url_prefix="/projects")


@bp.get("/<int:instance_id>/history")
@login_required
def show(instance_id: int):
    """The timeline, filtered by ?kind= and ?actor=; the replay steps through every event."""
    kind, actor = request.args.get("kind") or None, request.args.get("actor") or None
    started = time.perf_counter()
    history = read_and_record(lambda s: timeline.view_history(s, user=signed_in_user(s), instance_id=instance_id,
                                                              kind=kind, actor=actor, clock=clock()))
    seconds = time.perf_counter() - started
    # Each diagram is fetched after the page is shown, from a URL the browser keeps (versions.diagram).
    diagram_urls = {v["hash"]: url_for("versions.diagram", version_id=v["id"]) for v in history.versions}
    forms, people = read(lambda s: (
        [form for v in history.versions for form in forms_of(s.get(ProcessVersion, v["id"])).values()],
        display_names(s)))
    answers = ProjectAnswers(forms, people)
    # What changed at each event, in words, for the replay's panel (the frames stay as the API gives them).
    changes = {f["seq"]: [answers.change_words(c) for c in f["event"]["changes"]] for f in history.frames}
    return render_template("history/show.html", history=history, kind=kind, actor=actor, seconds=seconds,
                           diagram_urls=diagram_urls, answers=answers, changes=changes)
