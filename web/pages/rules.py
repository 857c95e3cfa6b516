"""Rule reports over the whole history: four-eyes, conflicts of interest, each role's actions by person."""
from __future__ import annotations

import csv
import io
import re
from typing import Callable, Iterable

from flask import Blueprint, Response, render_template, request, url_for
from flask_login import login_required

from engine.errors import BadRequest
from engine.history import rule_reports
from engine.history.audit_export import spreadsheet_safe
from engine.policy import ROLES
from web.event_kinds import event_kind_name
from web.services import clock, read, read_and_record, signed_in_user
from web.wording import role_name

bp = Blueprint("rules", __name__, url_prefix="/audit/rules")
LINK_HEADER = ["Project page", "History page"]


@bp.context_processor
def _words() -> dict:
    return {"event_kind_name": event_kind_name}


def filters() -> rule_reports.Filters:
    """The report's filters from the query string: project (a number), person, role, kind."""
    project = request.args.get("project", "").strip()
    if project and not re.fullmatch(r"[0-9]{1,9}", project):
        raise BadRequest("The project is its number, as in /projects/12.", fields={"project": "a number"})
    given = {name: request.args.get(name, "").strip() or None for name in ("person", "role", "kind")}
    return rule_reports.Filters(project=int(project) if project else None, **given)


def _report(run: Callable, name: str, *, download: bool = False) -> rule_reports.Report:
    chosen = filters()
    return read_and_record(lambda s: rule_reports.view_report(s, user=signed_in_user(s), clock=clock(),
                                                              report=run, name=name, filters=chosen, download=download))


def history_url(project_id: int, seq: int | None = None) -> str:
    """The project's history page, at one event when seq is given."""
    return url_for("history.show", instance_id=project_id, _anchor=f"event-{seq}" if seq is not None else None)


def _csv(name: str, header: list[str], rows: Iterable, *, links: bool = True) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header + (LINK_HEADER if links else []))
    for row in rows:
        extra = [url_for("projects.show", instance_id=row.project_id, _external=True),
                 url_for("history.show", instance_id=row.project_id, _external=True)] if links else []
        writer.writerow([spreadsheet_safe(value) for value in row.cells()] + extra)
    return Response(out.getvalue().encode("utf-8"), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


@bp.get("")
@login_required
def index():
    summary = read(lambda s: rule_reports.rules_summary(s, user=signed_in_user(s)))
    return render_template("rules/index.html", summary=summary)


@bp.get("/four-eyes")
@login_required
def four_eyes():
    report = _report(rule_reports.four_eyes_report, "four-eyes")
    return render_template("rules/four_eyes.html", report=report, filters=filters(), history_url=history_url)


@bp.get("/four-eyes.csv")
@login_required
def four_eyes_csv():
    report = _report(rule_reports.four_eyes_report, "four-eyes", download=True)
    return _csv("four-eyes", rule_reports.FOUR_EYES_HEADER, report.rows)


@bp.get("/conflicts")
@login_required
def conflicts():
    report = _report(rule_reports.conflicts_report, "conflicts of interest")
    return render_template("rules/conflicts.html", report=report, filters=filters(), history_url=history_url)


@bp.get("/conflicts.csv")
@login_required
def conflicts_csv():
    report = _report(rule_reports.conflicts_report, "conflicts of interest", download=True)
    return _csv("conflicts-of-interest", rule_reports.CONFLICT_HEADER, report.rows)


@bp.get("/actions")
@login_required
def actions():
    report = _report(rule_reports.actions_report, "actions by person")
    chosen = filters()
    drilled = bool(chosen.person or chosen.role or chosen.kind)
    kinds = sorted({*rule_reports.ACTION_KINDS, *(count.kind for count in report.rows)}, key=event_kind_name)
    roles = [*ROLES, rule_reports.NO_ROLE]
    return render_template("rules/actions.html", report=report, filters=chosen, drilled=drilled, roles=roles,
                           role_labels={role: role_name(role) for role in roles}, action_kinds=kinds,
                           kind_labels={kind: event_kind_name(kind) for kind in kinds}, history_url=history_url)


@bp.get("/actions.csv")
@login_required
def actions_csv():
    report = _report(rule_reports.actions_report, "actions by person", download=True)
    return _csv("actions-by-person", rule_reports.COUNT_HEADER, report.rows, links=False)


@bp.get("/actions-list.csv")
@login_required
def actions_list_csv():
    report = _report(rule_reports.actions_report, "actions by person", download=True)
    return _csv("actions", rule_reports.ACTION_HEADER, report.detail)
